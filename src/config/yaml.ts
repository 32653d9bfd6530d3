import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';

/** A configuration problem an operator can fix: which file, where in it, and what is wrong. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface YamlSource {
  /** Name shown in messages (the path as the operator gave it). */
  name: string;
  text: string;
}

/** Parses YAML text into plain data, reporting syntax errors with their line. */
export function parseYaml(source: YamlSource): { data: unknown; lineOf: (path: PropertyKey[]) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        // linePos is only filled with prettyErrors, which would also reformat the message.
        const pos = lineCounter.linePos(e.pos[0]);
        return `${source.name}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const lineOf = (path: PropertyKey[]): number | undefined => {
    // Walk down as far as the path exists, so a missing key points at its parent. A map entry
    // is located by its key, since a nested value starts on the line after it.
    let node: Node | null | undefined = doc.contents as Node | null;
    let line: number | undefined = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    for (const key of path) {
      let at: Node | null | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair) break;
        at = isScalar(pair.key) ? pair.key : undefined;
        node = pair.value as Node | null;
      } else if (isSeq(node)) {
        node = node.get(Number(key), true) as Node | undefined;
        at = node;
      } else break;
      if (!at?.range) break;
      line = lineCounter.linePos(at.range[0]).line;
    }
    return line;
  };
  return { data: doc.toJS() ?? {}, lineOf };
}

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Validates data against a schema; every problem names the file, the line, the key path and the reason. */
export function validate<S extends z.ZodType>(
  schema: S,
  data: unknown,
  source: {
    name: string;
    lineOf?: (path: PropertyKey[]) => number | undefined;
    /** Where a key was set, when not simply in `name` at `lineOf` (`gw.yaml:12`, `environment variable PORT`). */
    locate?: (path: PropertyKey[]) => string;
  },
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      // An unknown key is best shown on its own line, not on its parent's.
      const at = issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue.path;
      const where = formatPath(issue.path) || '(top level)';
      if (source.locate) return `${source.locate(at)}: ${where}: ${issue.message}`;
      const line = source.lineOf?.(at);
      return `${source.name}${line ? `:${line}` : ''}: ${where}: ${issue.message}`;
    }),
  );
}
