import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, parseYaml } from './yaml.js';

/** The shipped defaults, relative to the working folder: every deployment file is laid over them. */
export const DEFAULTS_FILE = 'config/default.yaml';

/** One YAML file of the configuration, parsed. */
interface Layer {
  /** The path as the operator gave it (shown in messages). */
  name: string;
  /** The folder its relative paths are resolved from. */
  dir: string;
  data: Record<string, unknown>;
  lineOf: (path: PropertyKey[]) => number | undefined;
}

/** The files of a configuration merged: the data, and which file (and line) set each key. */
export interface LayeredConfig {
  data: Record<string, unknown>;
  /** The files read, defaults first. */
  files: string[];
  /** `gw.yaml:12` for a key a file set (the last file that set it or its nearest parent). */
  locate(path: PropertyKey[]): string;
  /** The folder of the file that set this key: where a relative path it holds is resolved from. */
  dirOf(path: PropertyKey[]): string;
  /** The file that set this key, and its line there. */
  fileOf(path: PropertyKey[]): string;
  lineOf(path: PropertyKey[]): number | undefined;
}

/**
 * `config/default.yaml`, then the file `G2P_CONFIG` names laid over it: mappings are merged
 * key by key, anything else (a list, a scalar, a `{ env }` / `{ file }` secret reference) is
 * replaced as a whole. So a deployment file holds only what differs from the defaults. Without
 * the defaults file (an image or a folder that has only its own file), the named file alone.
 */
export function readLayers(cwd: string, named: string | undefined): LayeredConfig {
  const defaultsPath = resolve(cwd, DEFAULTS_FILE);
  const layers: Layer[] = [];
  const sameAsDefaults = named !== undefined && resolve(cwd, named) === defaultsPath;
  if (named === undefined || sameAsDefaults || existsSync(defaultsPath)) layers.push(readLayer(cwd, DEFAULTS_FILE, named === undefined || sameAsDefaults));
  if (named !== undefined && !sameAsDefaults) layers.push(readLayer(cwd, named, true));
  const data: Record<string, unknown> = {};
  for (const layer of layers) mergeInto(data, layer.data);
  const owner = (path: PropertyKey[]): Layer => {
    for (let depth = path.length; depth > 0; depth--) {
      const prefix = path.slice(0, depth);
      for (let i = layers.length - 1; i >= 0; i--) if (has(layers[i]!.data, prefix)) return layers[i]!;
    }
    return layers[layers.length - 1]!;
  };
  return {
    data,
    files: layers.map((l) => l.name),
    locate: (path) => {
      const layer = owner(path);
      const line = layer.lineOf(path);
      return `${layer.name}${line ? `:${line}` : ''}`;
    },
    dirOf: (path) => owner(path).dir,
    fileOf: (path) => owner(path).name,
    lineOf: (path) => owner(path).lineOf(path),
  };
}

function readLayer(cwd: string, name: string, named: boolean): Layer {
  const absolute = resolve(cwd, name);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const hint = named ? '; set G2P_CONFIG to the path of your configuration file' : '';
    throw new ConfigError([`${name}: cannot read the configuration file ${absolute} (${code})${hint}`]);
  }
  const { data, lineOf } = parseYaml({ name, text });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`${name}: the file must hold a mapping of settings`]);
  const dir = dirname(absolute);
  return { name, dir, data: absoluteSecretFiles(data as Record<string, unknown>, dir) as Record<string, unknown>, lineOf };
}

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{ env: NAME }` and `{ file: path }` stand for one value: replaced whole, never merged. */
const isSecretRef = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
};

/** `{ file: relative }` made absolute against its own file's folder, since the merged data has no single folder. */
function absoluteSecretFiles(value: unknown, dir: string): unknown {
  if (Array.isArray(value)) return value.map((item) => absoluteSecretFiles(item, dir));
  if (!isMapping(value)) return value;
  if (isSecretRef(value) && typeof value.file === 'string') return { file: isAbsolute(value.file) ? value.file : resolve(dir, value.file) };
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, absoluteSecretFiles(item, dir)]));
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isMapping(value) && !isSecretRef(value) && isMapping(current) && !isSecretRef(current)) mergeInto(current, value);
    else target[key] = isMapping(value) && !isSecretRef(value) ? structuredClone(value) : value;
  }
}

function has(data: unknown, path: PropertyKey[]): boolean {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Record<PropertyKey, unknown>)[key as string];
  }
  return true;
}
