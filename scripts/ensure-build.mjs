#!/usr/bin/env node
// Builds dist/ only when it is older than what it is built from, so the operator commands
// (npm start, token, check-config, hash-secret) start at once when nothing changed since the
// last build. A build writes dist/.built-at last; a missing or older stamp means "build".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = join('dist', '.built-at');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (builtAt > 0 && INPUTS.every((input) => newestMtime(input) < builtAt)) process.exit(0);

const started = Date.now();
const build = spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// Stamped with the time the build started: a source saved during the build is newer and rebuilds next time.
writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
utimesSync(STAMP, started / 1000, started / 1000);
