import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { ROLES, ruleSchema, type Role } from './auth.js';
import { fieldCatalog, parseFieldPaths } from '../registry/field-scope.js';
import type { CustomField } from '../registry/custom-fields.js';
import { ConfigError, formatPath, validate, type YamlSource } from './yaml.js';

export type RoleRule = z.infer<typeof ruleSchema>;

/** Dotted API field paths of one kind of record (`name`, `reg_ids.value`). */
const fieldPaths = z.array(z.string().min(1).max(100), { error: 'expected a list of field names (`name`, `reg_ids.value`)' }).default([]);

/**
 * A field scope (data minimisation): the fields of each kind of record its holders may see,
 * and who holds it. A kind left out shows nothing but record ids.
 */
const fieldScopeSchema = z
  .object({
    individuals: fieldPaths,
    groups: fieldPaths,
    memberships: fieldPaths,
    grantedTo: z
      .object({
        /** Token claims, as the roles' rules: any one grants the scope. */
        claims: z.array(ruleSchema).default([]),
        /** Clients of the gateway's token endpoint (auth.clientCredentials.clients) whose tokens hold it. */
        clients: z.array(z.string().min(1)).default([]),
        /** Odoo logins of HTTP Basic callers (the compatibility routes) that hold it. */
        basicLogins: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type FieldScopeDeclaration = z.output<typeof fieldScopeSchema>;
export type FieldScopes = Record<string, FieldScopeDeclaration>;

const rolesFileSchema = z
  .object({
    fieldScopes: z
      .record(z.string(), fieldScopeSchema)
      .superRefine((scopes, ctx) => {
        for (const name of Object.keys(scopes)) {
          if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: `scope name "${name}" must be 1 to 64 letters, digits, dots, dashes or underscores` });
          }
        }
      })
      .default({}),
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
  return parseRolesDocument(source).roles;
}

/** The roles file whole: the roles, the field scopes, and the line of any key path (for the checks that need the rest of the configuration). */
export function parseRolesDocument(source: YamlSource): { roles: RoleMapping; fieldScopes: FieldScopes; lineOf: (path: PropertyKey[]) => number | undefined } {
  const { data, lineOf } = parseWithPositions(source);
  const parsed = validate(rolesFileSchema, data, { name: source.name, lineOf });
  return { roles: parsed.roles as RoleMapping, fieldScopes: parsed.fieldScopes, lineOf };
}

const KINDS = { individuals: 'individual', groups: 'group', memberships: 'membership' } as const;

/**
 * Start-up check of the field scopes against the rest of the configuration: every field exists
 * (custom fields included), every scope is granted to someone, every client named is a client
 * of the token endpoint. Each problem names the file, the line and the reason.
 */
export function checkFieldScopes(
  scopes: FieldScopes,
  context: { file: string; lineOf: (path: PropertyKey[]) => number | undefined; customFields: readonly CustomField[]; clients: readonly string[] },
): string[] {
  const catalog = fieldCatalog(context.customFields);
  const problems: string[] = [];
  const at = (path: PropertyKey[]) => {
    const line = context.lineOf(path);
    return `${context.file}${line ? `:${line}` : ''}: ${formatPath(path)}`;
  };
  for (const [name, scope] of Object.entries(scopes)) {
    for (const [key, kind] of Object.entries(KINDS) as Array<[keyof typeof KINDS, (typeof KINDS)[keyof typeof KINDS]]>) {
      scope[key].forEach((path, i) => {
        const { problems: unknown } = parseFieldPaths(catalog[kind], [path]);
        for (const problem of unknown) problems.push(`${at(['fieldScopes', name, key, i])}: "${problem.path}" ${problem.message}`);
      });
    }
    const { claims, clients, basicLogins } = scope.grantedTo;
    if (claims.length + clients.length + basicLogins.length === 0) {
      problems.push(`${at(['fieldScopes', name])}: scope "${name}" is never granted; give grantedTo.claims, grantedTo.clients or grantedTo.basicLogins`);
    }
    clients.forEach((client, i) => {
      if (!context.clients.includes(client)) {
        problems.push(`${at(['fieldScopes', name, 'grantedTo', 'clients', i])}: "${client}" is not a client of auth.clientCredentials.clients`);
      }
    });
  }
  return problems;
}
