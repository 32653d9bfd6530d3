import { resolve } from 'node:path';
import { ROLES, type Role } from '../config/auth.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/yaml.js';
import { loadOrCreateSandboxSecret, signSandboxToken } from '../http/auth/sandbox.js';

/**
 * `npm run token -- --role "Rest API GET" [--role "Rest API POST"] [--sub alice] [--ttl 8h]`
 * prints a token the sandbox accepts, for trying the API by hand. It refuses when the gateway
 * is configured for a real Odoo: tokens there come from the deployment's identity provider.
 */
const USAGE = 'usage: npm run token -- --role "Rest API GET" [--role "Rest API POST"] [--sub <subject>] [--ttl <seconds, or 30m, 8h, 2d>]';

interface TokenRequest {
  roles: Role[];
  sub?: string;
  ttlSeconds?: number;
}

function parseTtl(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}

function parseArgs(argv: string[]): TokenRequest | string {
  const request: TokenRequest = { roles: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') return USAGE;
    if (value === undefined) return `${flag} needs a value\n${USAGE}`;
    i++;
    if (flag === '--role') {
      if (!(ROLES as readonly string[]).includes(value)) return `unknown role "${value}"; the roles are ${ROLES.map((r) => `"${r}"`).join(' and ')}`;
      request.roles.push(value as Role);
    } else if (flag === '--sub') request.sub = value;
    else if (flag === '--ttl') {
      const ttl = parseTtl(value);
      if (ttl === undefined) return `--ttl "${value}" is not a duration\n${USAGE}`;
      request.ttlSeconds = ttl;
    } else return `unknown option ${flag}\n${USAGE}`;
  }
  if (request.roles.length === 0) return `give at least one --role\n${USAGE}`;
  return request;
}

function main(): number {
  const request = parseArgs(process.argv.slice(2));
  if (typeof request === 'string') {
    process.stderr.write(`${request}\n`);
    return 2;
  }
  const config = loadConfig({ env: process.env, cwd: process.cwd() });
  if (!config.sandboxMode) {
    process.stderr.write(
      'refusing: the gateway is configured for a real Odoo and identity provider; get tokens from that issuer (e.g. Keycloak), not from this tool\n',
    );
    return 1;
  }
  // The same folder the sandbox gateway keeps its secret in (see src/server.ts).
  const secret = loadOrCreateSandboxSecret(resolve(process.cwd(), '.sandbox'));
  process.stdout.write(`${signSandboxToken(secret, { ...request, mapping: config.roles })}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `token: ${(err as Error).message}`}\n`);
  process.exitCode = 1;
}
