import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { resolve } from 'node:path';
import { checkFieldScopes, parseRolesDocument, type FieldScopes, type RoleMapping } from './roles.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { readSecretFile, resolveSecretRefs, SecretResolutionError } from './secret.js';
import { readLayers } from './layers.js';
import { ConfigError, formatPath, parseYaml, validate } from './yaml.js';
import { endpointListSchema, type DeclarationSource, type EndpointDeclaration } from '../endpoints/declaration.js';

export interface Config extends ParsedConfig {
  /** `production` refuses sandbox mode and development-only key sources. */
  nodeEnv: string;
  /** The YAML file the configuration came from, as given. */
  configFile: string;
  /** Claims-to-roles mapping from `auth.rolesFile`. */
  roles: RoleMapping;
  /** Field scopes from `auth.rolesFile` (data minimisation); none: every caller sees every field. */
  fieldScopes?: FieldScopes;
  /** True when no Odoo is configured and the bundled simulator stands in for it. */
  sandboxMode: boolean;
  /** Where each of `endpoints` was declared (file and lines), for start-up messages; parallel to `endpoints`. */
  endpointSources?: DeclarationSource[];
}

/**
 * Environment variables an operator sets per deployment, and where each lands in the YAML.
 * Any of them may instead be given as `<NAME>_FILE`, the path of a file holding the value.
 */
export const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: string[]; type: 'string' | 'number'; secret?: boolean }> = [
  { name: 'HOST', path: ['server', 'host'], type: 'string' },
  { name: 'PORT', path: ['server', 'port'], type: 'number' },
  { name: 'LOG_LEVEL', path: ['log', 'level'], type: 'string' },
  { name: 'ODOO_URL', path: ['odoo', 'url'], type: 'string' },
  { name: 'ODOO_DB', path: ['odoo', 'db'], type: 'string' },
  { name: 'ODOO_PROTOCOL', path: ['odoo', 'protocol'], type: 'string' },
  { name: 'ODOO_USERNAME', path: ['odoo', 'accounts', 'default', 'login'], type: 'string' },
  { name: 'ODOO_PASSWORD', path: ['odoo', 'accounts', 'default', 'password'], type: 'string', secret: true },
  { name: 'REDIS_URL', path: ['redis', 'url'], type: 'string', secret: true },
];

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Folder that relative paths (the default config file) are resolved from. */
  cwd: string;
}

export function loadConfig({ env, cwd }: LoadConfigOptions): Config {
  const layers = readLayers(cwd, env.G2P_CONFIG || undefined);
  const configFile = layers.files[layers.files.length - 1]!;
  const fromEnv = new Map<string, string>();
  let raw: Record<string, unknown>;
  try {
    raw = resolveSecretRefs(layers.data, env, cwd) as Record<string, unknown>;
    for (const override of ENV_OVERRIDES) {
      const value = envValue(env, override.name);
      if (value === undefined) continue;
      if (override.type === 'number' && !/^\d+$/.test(value.trim())) {
        throw new ConfigError([`environment variable ${override.name}: "${value}" is not a whole number (it sets ${override.path.join('.')})`]);
      }
      const typed = override.type === 'number' ? Number(value) : value;
      setPath(raw, override.path, typed);
      fromEnv.set(override.path.join('.'), override.name);
    }
  } catch (err) {
    if (err instanceof SecretResolutionError) throw new ConfigError([`${configFile}: ${err.message}`]);
    throw err;
  }
  const parsed = validate(configSchema, raw, {
    name: configFile,
    locate: (path) => {
      const name = fromEnv.get(path.join('.'));
      return name === undefined ? layers.locate(path) : `environment variable ${name}`;
    },
  });
  const nodeEnv = env.NODE_ENV ?? 'development';
  const sandboxMode = parsed.odoo === undefined;
  if (sandboxMode && nodeEnv === 'production') {
    throw new ConfigError(['no Odoo is configured (odoo.url / ODOO_URL) and sandbox mode is refused when NODE_ENV=production']);
  }
  if (nodeEnv === 'production' && parsed.auth.issuers.some((i) => i.secret !== undefined)) {
    throw new ConfigError([
      `${layers.locate(['auth', 'issuers'])}: auth.issuers: shared-secret issuers are for development and sandbox only; use publicKeys or jwksUrl when NODE_ENV=production`,
    ]);
  }
  const tokens = parsed.auth.clientCredentials;
  if (nodeEnv === 'production' && Object.keys(tokens.clients).length > 0 && tokens.signingKeys === undefined) {
    throw new ConfigError([
      `${layers.locate(['auth', 'clientCredentials'])}: auth.clientCredentials: clients are listed but no signingKeys are set; a key made at start-up is refused when NODE_ENV=production (tokens would die with the process and differ between replicas)`,
    ]);
  }
  const rolesFile = resolve(layers.dirOf(['auth', 'rolesFile']), parsed.auth.rolesFile);
  let rolesText: string;
  try {
    rolesText = readFileSync(rolesFile, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${layers.locate(['auth', 'rolesFile'])}: auth.rolesFile: cannot read the roles file ${rolesFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  const { roles, fieldScopes, lineOf } = parseRolesDocument({ name: parsed.auth.rolesFile, text: rolesText });
  const scopeProblems = checkFieldScopes(fieldScopes, {
    file: parsed.auth.rolesFile,
    lineOf,
    customFields: parsed.api.customFields,
    clients: Object.keys(parsed.auth.clientCredentials.clients),
  });
  if (scopeProblems.length > 0) throw new ConfigError(scopeProblems);
  const endpointSources = parsed.endpoints.map((_, i) =>
    declarationSource(layers.fileOf(['endpoints', i]), layers.data, (path) => layers.lineOf(path), ['endpoints', i]),
  );
  const endpoints = [...parsed.endpoints];
  if (parsed.endpointsFile) {
    const fromFile = loadEndpointsFile(parsed.endpointsFile, resolve(layers.dirOf(['endpointsFile']), parsed.endpointsFile));
    endpoints.push(...fromFile.endpoints);
    endpointSources.push(...fromFile.sources);
  }
  return { ...parsed, endpoints, endpointSources, nodeEnv, configFile: layers.files.join(' + '), roles, fieldScopes, sandboxMode };
}

/** `endpointsFile`: a YAML file with the declarations under `endpoints:`, checked like the main file. */
export function loadEndpointsFile(name: string, path: string): { endpoints: EndpointDeclaration[]; sources: DeclarationSource[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${name}: cannot read the endpoints file ${path} named by endpointsFile (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const { data, lineOf } = parseYaml({ name, text });
  const endpoints = validate(endpointsFileSchema, data, { name, lineOf }).endpoints;
  return { endpoints, sources: endpoints.map((_, i) => declarationSource(name, data, lineOf, ['endpoints', i])) };
}

const endpointsFileSchema = z.object({ endpoints: endpointListSchema }).strict();

/** The line of every key path inside one declaration (`params[0].field` -> 12), for start-up messages. */
function declarationSource(file: string, data: unknown, lineOf: (path: PropertyKey[]) => number | undefined, at: PropertyKey[]): DeclarationSource {
  const lines: Record<string, number> = {};
  const walk = (value: unknown, path: PropertyKey[]) => {
    const line = lineOf([...at, ...path]);
    if (line !== undefined) lines[formatPath(path)] = line;
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  let node: unknown = data;
  for (const key of at) node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as string] : undefined;
  walk(node, []);
  return { file, lines };
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file !== undefined && file !== '') {
    try {
      return readSecretFile(file, `${name}_FILE`);
    } catch (err) {
      throw new ConfigError([(err as Error).message]);
    }
  }
  return undefined;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
