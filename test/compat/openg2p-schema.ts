/**
 * The recorded OpenG2P REST module: its cases (`openg2p-rest.json`) and a checker for the JSON
 * Schema subset its OpenAPI document uses ($ref, anyOf, type, properties, required, items,
 * date/date-time formats), so a response can be checked against the module's own contract.
 */
import { readFileSync } from 'node:fs';
import { sharedPath } from '../support/shared.js';

export interface RecordedCase {
  case: string;
  description: string;
  request: { method: string; path: string; headers: Record<string, string>; body: string | null };
  response: { status: number; headers: Record<string, string | string[]>; body: string };
}

type Schema = Record<string, unknown>;

export const recordedCases = (): RecordedCase[] => JSON.parse(readFileSync(sharedPath('odoo-wire', 'openg2p-rest.json'), 'utf8')) as RecordedCase[];
export const openApiDocument = (): Schema => JSON.parse(readFileSync(sharedPath('odoo-wire', 'openg2p-rest-openapi.json'), 'utf8')) as Schema;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The 200 response schema of the operation a recorded method and path went to. */
export function responseSchemaFor(doc: Schema, method: string, path: string): Schema | undefined {
  const prefix = (doc.servers as Array<{ url: string }>)[0]!.url;
  const local = path.split('?')[0]!.slice(prefix.length);
  for (const [template, operations] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = operations[method.toLowerCase()];
    if (operation && pattern.test(local)) {
      return ((operation.responses as Record<string, Schema>)['200']!.content as Record<string, Schema>)['application/json']!.schema as Schema;
    }
  }
  return undefined;
}

/** Problems of `value` against `schema` (empty when it conforms), each naming its JSON path. */
export function schemaProblems(doc: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string' && schema.type === undefined) {
    const name = schema.$ref.split('/').at(-1)!;
    return schemaProblems(doc, ((doc.components as Schema).schemas as Record<string, Schema>)[name]!, value, path);
  }
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as Schema[]).map((option) => schemaProblems(doc, option, value, path));
    return options.some((p) => p.length === 0) ? [] : [`${path}: matches none of anyOf (${options.map((p) => p[0]).join(' | ')})`];
  }
  switch (schema.type) {
    case undefined:
      return [];
    case 'null':
      return value === null ? [] : [`${path}: expected null`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected integer`];
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected string`];
      if (schema.format === 'date' && !DATE.test(value)) return [`${path}: expected a date, got ${value}`];
      if (schema.format === 'date-time' && !DATETIME.test(value)) return [`${path}: expected a date-time, got ${value}`];
      return [];
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected array`];
      return value.flatMap((item, i) => schemaProblems(doc, schema.items as Schema, item, `${path}[${i}]`));
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected object`];
      const record = value as Record<string, unknown>;
      const missing = ((schema.required as string[] | undefined) ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key}: required`);
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      return [
        ...missing,
        ...Object.entries(record).flatMap(([key, item]) =>
          properties[key] ? schemaProblems(doc, properties[key], item, `${path}.${key}`) : [`${path}.${key}: not in the schema`],
        ),
      ];
    }
    default:
      return [`${path}: schema type ${String(schema.type)} not handled`];
  }
}

/**
 * Differences of shape between our value and the recorded one: the same keys in the same
 * order, the same JSON types. Ids and dates may differ, and where the module answered null or
 * [] for data it had (its defects), ours may hold the data.
 */
export function shapeDifferences(ours: unknown, recorded: unknown, path = '$'): string[] {
  if (recorded === null) return ours === null || typeof ours === 'string' ? [] : [`${path}: recorded null, got ${typeof ours}`];
  if (Array.isArray(recorded)) {
    if (!Array.isArray(ours)) return [`${path}: recorded an array`];
    if (recorded.length === 0) return [];
    return ours.flatMap((item, i) => shapeDifferences(item, recorded[0], `${path}[${i}]`));
  }
  if (typeof recorded === 'object') {
    if (ours === null || typeof ours !== 'object' || Array.isArray(ours)) return [`${path}: recorded an object`];
    const ourKeys = Object.keys(ours);
    const recordedKeys = Object.keys(recorded);
    if (ourKeys.join() !== recordedKeys.join()) return [`${path}: keys ${ourKeys.join()} instead of ${recordedKeys.join()}`];
    return recordedKeys.flatMap((key) =>
      shapeDifferences((ours as Record<string, unknown>)[key], (recorded as Record<string, unknown>)[key], `${path}.${key}`),
    );
  }
  return typeof ours === typeof recorded ? [] : [`${path}: ${typeof ours} instead of ${typeof recorded}`];
}
