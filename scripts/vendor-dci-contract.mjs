#!/usr/bin/env node
/**
 * Vendors the DCI standard's request and response schemas of the routes this gateway serves
 * into src/http/dci/dci-contract.json (the gateway may not read the standard's files at run
 * time). Usage: node scripts/vendor-dci-contract.mjs <folder holding the standard's OpenAPI files>
 *
 * Each operation keeps its `requestBody` and `responses` as the standard writes them; every
 * component they reach (transitively) is copied under a name prefixed `dci.<file>.` so the
 * standard's components cannot collide with the gateway's own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const SOURCES = {
  social: { file: 'social_api_v1.0.0.yaml', paths: ['/registry/sync/search', '/registry/search', '/registry/sync/txn/status', '/registry/txn/status'] },
  registry: { file: 'registry_core_api_v1.0.0.yaml', paths: ['/registry/subscribe', '/registry/unsubscribe'] },
  authz: { file: 'authz_core_api_v1.0.0.yaml', paths: ['/oauth2/client/token'] },
};

const escape = (segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * The standard points into schemas through other references (`.../oneOf/0/properties/...`
 * where `oneOf/0` is itself a `$ref`), which OpenAPI tools do not follow: such a pointer is
 * rewritten to the location it ends up at.
 */
function canonical(doc, ref, depth = 0) {
  if (depth > 20) throw new Error(`reference loop at ${ref}`);
  let node = doc;
  let path = [];
  for (const segment of ref.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescape)) {
    let current = node;
    if (!(segment in current) && typeof current.$ref === 'string') {
      path = canonical(doc, current.$ref, depth + 1)
        .replace(/^#\//, '')
        .split('/')
        .map(unescape);
      current = path.reduce((n, s) => n[s], doc);
    }
    node = current[segment];
    path.push(segment);
    if (node === undefined) throw new Error(`unresolvable reference ${ref}`);
  }
  return `#/${path.map(escape).join('/')}`;
}

const resolve = (doc, ref) =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map(unescape)
    .reduce((n, s) => n[s], doc);

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node scripts/vendor-dci-contract.mjs <folder of the DCI OpenAPI files>');
  process.exit(2);
}

const contract = { source: {}, operations: {}, components: {} };
for (const [name, { file, paths }] of Object.entries(SOURCES)) {
  const doc = parse(readFileSync(join(folder, file), 'utf8'));
  contract.source[name] = `${file} (${doc.info?.title ?? ''} ${doc.info?.version ?? ''})`.trim();
  const copied = new Set();
  const rename = (given) => {
    const ref = canonical(doc, given);
    // A pointer may reach inside a component (`#/components/schemas/X/properties/y`): X is copied whole.
    const match = /^#\/components\/([^/]+)\/([^/]+)(\/.*)?$/.exec(ref);
    // A pointer into another operation (the standard reuses parts of /registry/search): inlined.
    if (!match) return { inline: rewrite(resolve(doc, ref)) };
    const [, section, key, rest = ''] = match;
    const newKey = `dci.${name}.${key}`;
    if (!copied.has(ref)) {
      copied.add(ref);
      const target = doc.components?.[section]?.[key];
      if (target === undefined) throw new Error(`${file}: ${ref} does not resolve`);
      contract.components[section] ??= {};
      contract.components[section][newKey] = rewrite(target);
    }
    return `#/components/${section}/${newKey}${rest}`;
  };
  const rewrite = (value) => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      if (typeof value.$ref === 'string') {
        const renamed = rename(value.$ref);
        const { $ref: _dropped, ...siblings } = value;
        if (typeof renamed === 'object') return { ...renamed.inline, ...rewrite(siblings) };
        return { ...rewrite(siblings), $ref: renamed };
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  for (const path of paths) {
    const operation = doc.paths?.[path]?.post;
    if (!operation) throw new Error(`${file}: no POST ${path}`);
    contract.operations[path] = {
      summary: operation.summary,
      description: operation.description,
      requestBody: rewrite(operation.requestBody),
      responses: rewrite(operation.responses),
    };
  }
}
writeFileSync(new URL('../src/http/dci/dci-contract.json', import.meta.url), `${JSON.stringify(contract, null, 2)}\n`);
console.log(
  `vendored ${Object.keys(contract.operations).length} operations, ${Object.values(contract.components).reduce((n, s) => n + Object.keys(s).length, 0)} components`,
);
