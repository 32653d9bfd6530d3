import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * Response serialisation compiled once per route and status: each zod response schema is turned
 * into JSON Schema when the route is registered and compiled by fast-json-stringify (what Fastify
 * does for JSON Schema routes), instead of validating every outgoing record with zod and then
 * calling JSON.stringify (fastify-type-provider-zod's serializer; about a fifth of the gateway's
 * own CPU per GET in the profile). Only the schema's properties are written, so a field the
 * schema does not name never leaves, as with zod's stripping; a required property that is
 * missing still fails the response (500).
 */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) =>
  fastJson(toJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0]);

/** One record written as the response schema writes it (an export's lines): the same fields leave as on the list. */
export const recordSerializer = (schema: z.ZodType): ((value: unknown) => string) =>
  fastJson(toJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0]) as (value: unknown) => string;

function toJsonSchema(schema: unknown): JsonSchema {
  if (schema instanceof z.ZodType) {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
    return simplifyNullable(json) as JsonSchema;
  }
  return schema as JsonSchema;
}

/**
 * `anyOf: [{type: 'object', ...}, {type: 'null'}]` (zod's `.nullable()` of an object) as
 * `{type: ['object', 'null'], ...}`: fast-json-stringify writes the latter directly, while for
 * anyOf it runs a validator per value to pick the branch.
 */
function simplifyNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplifyNullable);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, simplifyNullable(value)])) as JsonSchema;
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && Object.keys(out).length === 1) {
    const nullIndex = anyOf.findIndex((branch) => isNullType(branch));
    const other = anyOf[1 - nullIndex] as JsonSchema | undefined;
    if (nullIndex >= 0 && other && typeof other.type === 'string' && !('anyOf' in other) && !('oneOf' in other)) {
      return { ...other, type: [other.type, 'null'] };
    }
  }
  return out;
}

const isNullType = (branch: unknown): boolean =>
  Boolean(branch) && typeof branch === 'object' && (branch as JsonSchema).type === 'null' && Object.keys(branch as object).length === 1;
