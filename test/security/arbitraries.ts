import fc from 'fast-check';
import type { JsonSchema } from './harness.js';

/**
 * fast-check arbitraries for hostile input, driven by the OpenAPI document: values that mostly
 * follow a route's JSON schema (so requests get past validation and reach Odoo) and now and
 * then break it anywhere in the tree, plus the classic trouble makers: control characters,
 * unpaired surrogates, markup of the Odoo wire protocols, huge and special numbers.
 */

/** Text that has broken parsers, encoders and SQL before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f',
  '\u007f',
  '\t\n\r',
  '\u2028\u2029',
  '\ufeff',
  '\ufffe\uffff',
  '\ud800',
  'x\udfffy',
  '😀',
  'Ω≈ç√',
  '%00',
  '%ff',
  '../../etc/passwd',
  "'; DROP TABLE res_partner; --",
  "' OR 1=1 --",
  '\\',
  '"',
  '${7*7}',
  '{{7*7}}',
  '</string></value><value><int>1</int>',
  ']]>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '{"jsonrpc":"2.0","method":"call","params":{}}',
  "['|', ('id', '>', 0)]",
  '["id", ">", 0]',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  '99999999999999999999999',
  '0x10',
  'true',
  'null',
  'x'.repeat(5000),
];

export const HUGE_NUMBERS_TEXT = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.1e1', '9007199254740993', '1E308'];

const nastyString = fc.constantFrom(...NASTY_STRINGS);
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), nastyString);
const specialNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e21, Number.MAX_VALUE, Number.MIN_VALUE, 0.1),
);

/** Any JSON value, nested a little, with hostile leaves (and hostile keys). */
export const wildJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'wild' },
    anyText,
    specialNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '$ne', 'id')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

function dateText(withTime: boolean): fc.Arbitrary<string> {
  const valid = fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => (withTime ? d.toISOString() : d.toISOString().slice(0, 10)));
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 1,
      arbitrary: fc.constantFrom('2024-02-30', '0000-00-00', '2024-13-01', '9999-12-31', '2024-01-01T25:00:00Z', '1970-01-01T00:00:00+14:00', 'yesterday'),
    },
  );
}

/**
 * A value for a JSON schema (as @fastify/swagger writes zod's): usually of the declared shape,
 * with a 1-in-`breakEvery` chance at each node of something else entirely.
 */
export function fromSchema(schema: JsonSchema | undefined, depth = 0, breakEvery = 6): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return wildJson;
  return fc.oneof({ weight: breakEvery - 1, arbitrary: shaped(schema, depth, breakEvery) }, { weight: 1, arbitrary: wildJson });
}

function shaped(schema: JsonSchema, depth: number, breakEvery: number): fc.Arbitrary<unknown> {
  if (schema.anyOf?.length) return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, depth + 1, breakEvery)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const record = fc.record(Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, fromSchema(sub, depth + 1, breakEvery)])), {
        requiredKeys: [],
      });
      // Sometimes a key the schema does not know, prototype-polluting ones included.
      const extra = fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'is_group', 'company_id', 'active', 'id', 'unknown_field'), wildJson), {
        freq: 5,
      });
      return fc.tuple(record, extra).map(([value, more]) => {
        const out: Record<string, unknown> = { ...value };
        // defineProperty, so `__proto__` becomes an own key as JSON.parse would make it.
        if (more) Object.defineProperty(out, more[0], { value: more[1], enumerable: true, writable: true, configurable: true });
        return out;
      });
    }
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1, breakEvery), { maxLength: 3 });
    case 'string':
      if (schema.format === 'date') return dateText(false);
      if (schema.format === 'date-time') return dateText(true);
      if (schema.format === 'email') return fc.oneof(fc.emailAddress(), nastyString);
      return fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) }, { weight: 1, arbitrary: anyText });
    case 'integer':
      return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 200 }) }, { weight: 1, arbitrary: specialNumber });
    case 'number':
      return fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), specialNumber);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return wildJson;
  }
}

/** A path parameter as it goes into the URL: encoded text, or raw bytes the router must refuse. */
export type PathValue = { text: string } | { raw: string };

export function pathValue(knownIds: readonly number[]): fc.Arbitrary<PathValue> {
  const ids = knownIds.length ? fc.constantFrom(...knownIds.map(String)) : fc.constant('1');
  return fc.oneof(
    { weight: 3, arbitrary: ids.map((text) => ({ text })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.integer().map(String), fc.constantFrom(...HUGE_NUMBERS_TEXT, '0', '-1', '1.5', ' 1', '1 ', '01', '+1', 'NaN'))
        .map((text) => ({ text })),
    },
    { weight: 2, arbitrary: anyText.filter((s) => s !== '').map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom('%ff', '%c3%28', '%ed%a0%80', '%', '%2', '%00', 'a%2Fb', '%5C..%5C').map((raw) => ({ raw })) },
  );
}

/** Query parameters: the route's own names (with hostile values, sometimes repeated) and a few it does not know. */
export function queryPairs(names: readonly string[], schemas: Record<string, JsonSchema | undefined>): fc.Arbitrary<Array<[string, string]>> {
  const known = names.length ? fc.constantFrom(...names) : fc.constant('q');
  const key = fc.oneof({ weight: 5, arbitrary: known }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'domain', 'a[b]', 'limit[]', '') });
  const valueFor = (name: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fromSchema(schemas[name]).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))) },
      { weight: 1, arbitrary: fc.oneof(anyText, fc.constantFrom(...HUGE_NUMBERS_TEXT)) },
    );
  return fc.array(
    key.chain((name) => valueFor(name).map((value): [string, string] => [name, value])),
    { maxLength: 4 },
  );
}

/** Header values Node can put on the wire (Latin-1, no CR/LF), hostile otherwise. */
export const headerValue = fc
  .oneof(fc.string({ maxLength: 300 }), fc.constantFrom('"', '*', 'W/"x"', '"a", "b"', ' ', 'a b', 'x'.repeat(5000), '\u00ff\u00fe', '\t'))
  .map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?'));

/** Attribute names the DCI search knows (members, groups, identifiers), and some it does not. */
export const DCI_ATTRIBUTES = [
  'given_name',
  'name.surname',
  'sex',
  'birth_date',
  'age',
  'name',
  'registration_date',
  'last_updated',
  'location',
  'group_type',
  'group_size',
  'UIN',
  'NID',
  'constructor',
  '__proto__',
  'id',
  'is_registrant',
  'company_id',
  'password',
];
const DCI_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$contains',
  '$and',
  '$or',
  '$not',
  '$where',
  'constructor',
  'toString',
  '$regex',
];

/** The search_criteria of one DCI search request: the three query types, with wild attributes, operators and values. */
export const dciCriteria: fc.Arbitrary<Record<string, unknown>> = fc
  .letrec<{ mongo: Record<string, unknown> }>((tie) => ({
    mongo: fc.oneof(
      { maxDepth: 2, depthIdentifier: 'mongo' },
      fc.tuple(fc.constantFrom(...DCI_ATTRIBUTES), wildJson).map(([name, value]) => ({ [name]: value })),
      fc.tuple(fc.constantFrom(...DCI_ATTRIBUTES), fc.constantFrom(...DCI_OPERATORS), wildJson).map(([name, op, value]) => ({ [name]: { [op]: value } })),
      fc.tuple(fc.constantFrom('$and', '$or'), fc.array(tie('mongo'), { maxLength: 3 })).map(([op, items]) => ({ [op]: items })),
    ),
  }))
  .mongo.chain((mongo) =>
    fc
      .oneof(
        fc.record({
          query_type: fc.constant('expression'),
          response_entity: fc.constantFrom('Member', 'Group', 'individual', '', 'res.users'),
          query: fc.constant({ type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: mongo } } }),
        }),
        fc.record({
          query_type: fc.constant('predicate'),
          response_entity: fc.constantFrom('Member', 'Group'),
          query: fc.array(
            fc.record(
              {
                seq_num: fc.oneof(fc.integer(), wildJson),
                expression1: fc.record({
                  attribute_name: fc.constantFrom(...DCI_ATTRIBUTES),
                  operator: fc.constantFrom('eq', 'gt', 'lt', 'ge', 'le', 'in', 'constructor', 'like'),
                  attribute_value: wildJson,
                }),
                condition: fc.constantFrom('and', 'or', 'not', 'xor'),
              },
              { requiredKeys: ['expression1'] },
            ),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        fc.record({
          query_type: fc.constantFrom('idtype-value', 'graphql', ''),
          response_entity: fc.constantFrom('Member', 'Group'),
          query: fc.record({ type: fc.constantFrom('UIN', 'NID', 'constructor', 'National ID'), value: wildJson }),
        }),
      )
      .chain((criteria) =>
        fc
          .record({
            sort: fc.option(
              fc.array(fc.record({ attribute_name: fc.constantFrom(...DCI_ATTRIBUTES), sort_order: fc.constantFrom('asc', 'desc', 'sideways') }), {
                maxLength: 2,
              }),
              { nil: undefined },
            ),
            pagination: fc.option(fc.record({ page_size: fc.oneof(fc.integer(), wildJson), page_number: fc.oneof(fc.integer(), wildJson) }), {
              nil: undefined,
            }),
          })
          .map((extra) => ({ version: '1.0.0', ...criteria, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) })),
      ),
  );
