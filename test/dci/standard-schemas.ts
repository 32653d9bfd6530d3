/**
 * The DCI standard's own OpenAPI files (../shared/dci) as JSON Schema validators (ajv), so
 * tests hold every message, both ways, to the standard as published rather than to the
 * gateway's own reading of it.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { sharedPath } from '../support/shared.js';

type Node = Record<string, unknown>;
const DOCS = {
  social: 'social_api_v1.0.0.yaml',
  registry: 'registry_core_api_v1.0.0.yaml',
  authz: 'authz_core_api_v1.0.0.yaml',
  jwks: 'jwks_core_api_v1.0.0.yaml',
} as const;
export type DciDocument = keyof typeof DOCS;

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * The standard points into schemas through other references (`.../oneOf/0/properties/...`,
 * where `oneOf/0` is itself a `$ref`), which JSON Schema validators do not follow. Such
 * pointers are rewritten to the location they end up at.
 */
function canonicalPointer(doc: Node, pointer: string, depth = 0): string {
  if (depth > 20) throw new Error(`reference loop at ${pointer}`);
  let node: unknown = doc;
  let path: string[] = [];
  for (const segment of pointer.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescape)) {
    let current = node as Node;
    if (!(segment in current) && typeof current.$ref === 'string') {
      path = canonicalPointer(doc, current.$ref, depth + 1)
        .replace(/^#\//, '')
        .split('/')
        .map(unescape);
      current = path.reduce<Node>((n, s) => n[s] as Node, doc);
    }
    node = current[segment];
    path.push(segment);
    if (node === undefined) throw new Error(`unresolvable reference ${pointer}`);
  }
  return `#/${path.map(escape).join('/')}`;
}

function rewriteRefs(doc: Node, node: unknown): void {
  if (Array.isArray(node)) node.forEach((item) => rewriteRefs(doc, item));
  else if (node !== null && typeof node === 'object') {
    const record = node as Node;
    if (typeof record.$ref === 'string' && record.$ref.startsWith('#/')) record.$ref = canonicalPointer(doc, record.$ref);
    for (const value of Object.values(record)) rewriteRefs(doc, value);
  }
}

/**
 * Two places where the standard's `oneOf` cannot be satisfied by any message it describes
 * (in the social and the registry core documents alike): a status request's `attribute_value`
 * matches both the transaction_id and the correlation_id branch (both plain strings), or both
 * the reference_id_list and the subscription_code_list branch (both string arrays); and an
 * `expression` query matches both query branches (objects with `type` and `value`). They are read as `anyOf`: at least one branch.
 */
const AMBIGUOUS_ONE_OF = [
  ['components', 'schemas', 'TxnStatusRequest', 'properties', 'txnstatus_request', 'properties', 'attribute_value'],
  ['components', 'schemas', 'SearchRequest', 'properties', 'search_request', 'items', 'properties', 'search_criteria', 'properties', 'query'],
];

function readOneOfAsAnyOf(doc: Node): void {
  const moved: Array<[string, string]> = [];
  for (const path of AMBIGUOUS_ONE_OF) {
    const node = path.reduce<Node | undefined>((n, s) => n?.[s] as Node | undefined, doc);
    if (node?.oneOf) {
      node.anyOf = node.oneOf;
      delete node.oneOf;
      const pointer = `#/${path.map(escape).join('/')}`;
      moved.push([`${pointer}/oneOf/`, `${pointer}/anyOf/`]);
    }
  }
  // References into the branches (the predicate's attribute_value points into one) follow them.
  const follow = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(follow);
    else if (node !== null && typeof node === 'object') {
      const record = node as Node;
      if (typeof record.$ref === 'string') for (const [from, to] of moved) record.$ref = (record.$ref as string).replace(from, to);
      Object.values(record).forEach(follow);
    }
  };
  follow(doc);
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(document: DciDocument, pointer: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(ajv);
    for (const [id, file] of Object.entries(DOCS)) {
      const doc = parse(readFileSync(sharedPath('dci', file), 'utf8')) as Node;
      rewriteRefs(doc, doc);
      if (id === 'social' || id === 'registry') readOneOfAsAnyOf(doc);
      ajv.addSchema(doc, id);
    }
  }
  const key = `${document}${pointer}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `${document}${canonicalPointer(parse(readFileSync(sharedPath('dci', DOCS[document]), 'utf8')) as Node, pointer)}` });
    compiled.set(key, validate);
  }
  return validate;
}

const operation = (path: string, method = 'post') => `#/paths/${escape(path)}/${method}`;

/** Problems of a request body against the standard's schema of the operation (empty when it conforms). */
export function requestProblems(document: DciDocument, path: string, body: unknown, contentType = 'application/json'): string[] {
  return problems(validator(document, `${operation(path)}/requestBody/content/${escape(contentType)}/schema`), body);
}

/** Problems of a response body: the schema of that status, else of `default`. */
export function responseProblems(document: DciDocument, path: string, status: number, body: unknown, method = 'post'): string[] {
  const doc = parse(readFileSync(sharedPath('dci', DOCS[document]), 'utf8')) as Node;
  const responses = (((doc.paths as Node)[path] as Node)[method] as Node).responses as Node;
  const key = String(status) in responses ? String(status) : 'default';
  if (!(key in responses)) return [`the standard defines no ${status} (nor default) response for ${method.toUpperCase()} ${path}`];
  let pointer = `${operation(path, method)}/responses/${key}`;
  const response = responses[key] as Node;
  if (typeof response.$ref === 'string') pointer = response.$ref;
  return problems(validator(document, `${pointer}/content/application~1json/schema`), body);
}

function problems(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`.trim());
}
