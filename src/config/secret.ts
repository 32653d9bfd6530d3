import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Secrets never need to be inline in a committed YAML file: anywhere in the file,
 * `{ env: NAME }` or `{ file: path }` stands for the value of that environment variable or
 * the (trimmed) content of that file, typically a mounted Kubernetes or Docker secret.
 * They are resolved once by the loader, before validation, so the schema sees strings.
 */
export const secretSchema = z.string().min(1);

export class SecretResolutionError extends Error {}

export function resolveSecretRefs(value: unknown, env: NodeJS.ProcessEnv, baseDir: string, path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, i) => resolveSecretRefs(item, env, baseDir, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'env' && typeof record.env === 'string') {
    const resolved = env[record.env];
    if (resolved === undefined || resolved === '') {
      throw new SecretResolutionError(`${path}: environment variable ${record.env} is not set`);
    }
    return resolved;
  }
  if (keys.length === 1 && keys[0] === 'file' && typeof record.file === 'string') {
    return readSecretFile(resolve(baseDir, record.file), path);
  }
  return Object.fromEntries(keys.map((k) => [k, resolveSecretRefs(record[k], env, baseDir, path ? `${path}.${k}` : k)]));
}

export function readSecretFile(file: string, what: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!text) throw new SecretResolutionError(`${what}: secret file ${file} is empty`);
    return text;
  } catch (err) {
    if (err instanceof SecretResolutionError) throw err;
    throw new SecretResolutionError(`${what}: cannot read secret file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
