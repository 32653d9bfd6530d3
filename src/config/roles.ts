import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { ROLES, ruleSchema, type Role } from './auth.js';
import { ConfigError, validate, type YamlSource } from './yaml.js';

export type RoleRule = z.infer<typeof ruleSchema>;

const rolesFileSchema = z
  .object({
    roles: z
      .record(
        z.string(),
        z.array(ruleSchema, { error: 'expected a list of rules (lines starting with "- claim:")' }).min(1, 'a role needs at least one rule'),
        {
          error: (issue) =>
            issue.input === undefined ? 'missing: the file must map role names to rules under "roles:"' : 'expected a mapping of role names to rules',
        },
      )
      .superRefine((roles, ctx) => {
        for (const name of Object.keys(roles)) {
          if (!(ROLES as readonly string[]).includes(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: `unknown role "${name}"; the roles are ${ROLES.map((r) => `"${r}"`).join(' and ')}` });
          }
        }
      }),
  })
  .strict();

export type RoleMapping = Partial<Record<Role, RoleRule[]>>;

/**
 * Parses YAML keeping positions: syntax errors carry their line and column, and a problem
 * about a mapping key (an unknown role, an unknown setting) points at the key's own line
 * rather than at its value's.
 */
function parseWithPositions(source: YamlSource): { data: unknown; lineOf: (path: PropertyKey[]) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `${source.name}:${line}:${col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const lineOf = (path: PropertyKey[]): number | undefined => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let line = node?.range ? lineAt(node.range[0]) : undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        const keyNode = pair.key as Node | null;
        if (keyNode?.range) line = lineAt(keyNode.range[0]);
        node = pair.value as Node | null;
      } else if (isSeq(node)) {
        node = node.items[Number(key)] as Node | undefined;
        if (node?.range) line = lineAt(node.range[0]);
      } else break;
    }
    return line;
  };
  return { data: doc.toJS() ?? {}, lineOf };
}

export function parseRolesFile(source: YamlSource): RoleMapping {
  const { data, lineOf } = parseWithPositions(source);
  return validate(rolesFileSchema, data, { name: source.name, lineOf }).roles as RoleMapping;
}
