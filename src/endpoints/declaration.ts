import { z } from 'zod';

/**
 * What a registry administrator writes in YAML to declare a custom endpoint (`endpoints:` in the
 * configuration, or the file `endpointsFile` names). This schema checks the shape only; what
 * depends on Odoo (fields, their types, operators that fit them) and on the other routes (path
 * clashes) is checked at start-up by compile.ts, against `fields_get`.
 */

export const ENDPOINT_KINDS = ['list', 'get', 'count', 'aggregate', 'update'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

export const TARGETS = ['individuals', 'groups', 'memberships', 'model'] as const;

/** Operators of the gateway's filter language (never Odoo's own: they are compiled, see compile.ts). */
export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'is_set', 'is_not_set'] as const;
export type Operator = (typeof OPERATORS)[number];

export const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'] as const;

const role = z.enum(['Rest API GET', 'Rest API POST']);
/** A dotted path through the target's fields: `name`, `head.phone`, `members.individual.name`, `x_status`. */
const fieldPath = z.string().regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/, 'a field path: lower-case names joined by dots (head.phone)');
const literal = z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number()])).max(100)]);

const condition = z
  .object({
    field: fieldPath,
    op: z.enum(OPERATORS),
    value: literal.optional(),
  })
  .strict();

/** A fixed filter term: a condition, or `not:` a condition (e.g. "has no National ID"). */
const filterTerm = z.union([condition, z.object({ not: condition }).strict()]);
export type Condition = z.infer<typeof condition>;

const param = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case'),
    in: z.enum(['path', 'query']).default('query'),
    field: fieldPath,
    op: z.enum(OPERATORS).default('eq'),
    /** Defaults to the field's own type; when given it must fit the field. */
    type: z.enum(PARAM_TYPES).optional(),
    /** Query parameters only (path parameters are always required). */
    required: z.boolean().default(false),
    description: z.string().max(500).optional(),
  })
  .strict();

const groupBy = z.union([
  fieldPath,
  z
    .object({
      field: fieldPath,
      /** Lower bounds of age bands in whole years, ascending, from a date field (birthdate): [0, 18, 60] gives 0-17, 18-59, 60+. */
      ageBands: z.array(z.number().int().min(0).max(150)).min(1).max(20),
      as: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/)
        .optional(),
    })
    .strict(),
]);

const measure = z.union([z.literal('count'), z.object({ sum: fieldPath }).strict()]);

const writable = z.union([
  fieldPath,
  z
    .object({
      field: fieldPath,
      /** Allowed values of a text field (a selection field takes its values from Odoo). */
      enum: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
      required: z.boolean().default(false),
    })
    .strict(),
]);

export const endpointDeclarationSchema = z
  .object({
    /** Path under `api.prefix`, `{name}` for a path parameter: `/custom/villages/{village}/households`. */
    path: z.string().regex(/^(\/([a-z0-9_-]+|\{[a-z][a-z0-9_]*\}))+$/, 'a path like /custom/households/{id}: lower-case segments and {parameters}'),
    method: z.enum(['GET', 'PATCH']).optional(),
    kind: z.enum(ENDPOINT_KINDS),
    summary: z.string().max(200).optional(),
    /** Who may call it: one role, or both (either one then suffices). */
    roles: z.array(role).min(1).max(2),
    target: z.enum(TARGETS),
    /** `target: model` only: the Odoo model and the only fields of it that may be reached. */
    model: z
      .string()
      .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/)
      .optional(),
    modelFields: z
      .array(z.string().regex(/^[a-z_][a-z0-9_]*$/))
      .min(1)
      .max(200)
      .optional(),
    filter: z.array(filterTerm).max(50).default([]),
    params: z.array(param).max(30).default([]),
    /** Returned fields (list, get, update). */
    fields: z.array(fieldPath).max(200).default([]),
    /** list only: the keyset orders the built-in lists use, so pages never skip or repeat records. */
    sort: z.enum(['id', '-id', 'updated_at']).default('id'),
    pageSize: z.number().int().positive().max(1000).optional(),
    includeArchived: z.boolean().default(false),
    /** aggregate only. */
    groupBy: z.array(groupBy).max(5).default([]),
    measures: z.array(measure).max(20).default(['count']),
    /** update only: the fields a caller may change (each must also be among `fields`). */
    writes: z.array(writable).max(50).default([]),
  })
  .strict();

export type EndpointDeclaration = z.output<typeof endpointDeclarationSchema>;
export const endpointListSchema = z.array(endpointDeclarationSchema).max(200);

/** Where a declaration came from, for messages: the file and the line of each key path (`params[0].field`). */
export interface DeclarationSource {
  file: string;
  lines: Record<string, number>;
}
