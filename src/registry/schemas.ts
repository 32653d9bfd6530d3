import { z } from 'zod';
import { customFieldSchema, type CustomField } from './custom-fields.js';
import { storableString } from './text.js';

/**
 * The API's shapes, as zod schemas: the same objects validate requests, serialise responses
 * and generate the OpenAPI document. Inputs are `.strict()`: an unknown field (`company_id`,
 * `is_group`, `active`, ...) is refused, never passed to Odoo.
 */

/** Reference data on input: its name (case-insensitive) or its id. */
export const referenceInput = z
  .union([storableString().trim().min(1).max(200), z.number().int().positive()])
  .describe('Name (case-insensitive) or id of the reference record');

export const relationOutput = z.object({ id: z.number().int(), name: z.string() });
const date = z.iso.date();

/**
 * Birthdates no registrant can have: before 1900-01-01 (typing slips such as 0000-01-01, which
 * Odoo stores and every age computed from it then breaks) or after today. "Today" is the
 * latest calendar day anywhere (UTC+14), so a birth registered on its day is never refused.
 */
export const BIRTHDATE_MESSAGE = 'must be a date from 1900-01-01 to today';
export function isPlausibleBirthdate(value: string, nowMs = Date.now()): boolean {
  const latest = new Date(nowMs + 14 * 3600_000).toISOString().slice(0, 10);
  return value >= '1900-01-01' && value <= latest;
}
const birthdate = date.refine((value) => isPlausibleBirthdate(value), BIRTHDATE_MESSAGE);
const datetime = z.iso.datetime({ offset: true });
const text = (max: number) => storableString().trim().max(max);
const optionalText = (max: number) => text(max).nullable().optional();

export const regIdInput = z
  .object({
    id_type: referenceInput,
    value: text(200).min(1),
    status: z.enum(['valid', 'invalid']).nullable().optional(),
    expiry_date: date.nullable().optional(),
    description: optionalText(500),
  })
  .strict();

export const phoneNumberInput = z
  .object({
    phone_no: text(40).min(3).describe('International number, e.g. +254712345678'),
    date_collected: date.nullable().optional(),
  })
  .strict();

export const bankAccountInput = z
  .object({
    acc_number: text(64).min(1),
    bank: referenceInput.nullable().optional(),
    acc_holder_name: optionalText(200),
  })
  .strict();

const contactFields = {
  email: z.email().max(254).nullable().optional(),
  phone: optionalText(40),
  mobile: optionalText(40),
  address: optionalText(2000),
  registration_date: date.optional().describe('Defaults to today; a future date is refused'),
};

const individualFields = {
  name: text(400).min(1).optional().describe('Built as "FAMILY, GIVEN ADDL" (upper case) when left out'),
  given_name: optionalText(200),
  family_name: optionalText(200),
  addl_name: optionalText(200),
  gender: referenceInput.nullable().optional(),
  birthdate: birthdate.nullable().optional(),
  birthdate_not_exact: z.boolean().optional(),
  birth_place: optionalText(200),
  occupation: optionalText(200),
  income: z.number().min(0).max(1e12).nullable().optional(),
  civil_status: optionalText(100),
  ...contactFields,
  reg_ids: z.array(regIdInput).max(20).optional(),
  phone_numbers: z.array(phoneNumberInput).max(20).optional(),
  bank_accounts: z.array(bankAccountInput).max(20).optional(),
};

const groupFields = {
  name: text(400).min(1),
  kind: referenceInput.nullable().optional(),
  is_partial_group: z.boolean().optional(),
  ...contactFields,
};

export const memberInput = z
  .object({
    individual: z.number().int().positive().describe('Id of an existing individual'),
    kinds: z.array(referenceInput).max(10).default([]),
    start_date: datetime.optional().describe('Defaults to now'),
  })
  .strict();

export const memberPatch = z
  .object({
    kinds: z.array(referenceInput).max(10).optional(),
    start_date: datetime.optional(),
    ended_date: datetime.nullable().optional(),
  })
  .strict();

const regIdOutput = z.object({
  id: z.number().int(),
  id_type: relationOutput.nullable(),
  value: z.string().nullable(),
  status: z.string().nullable(),
  expiry_date: z.string().nullable(),
  description: z.string().nullable(),
});
const phoneNumberOutput = z.object({
  id: z.number().int(),
  phone_no: z.string().nullable(),
  phone_sanitized: z.string().nullable(),
  date_collected: z.string().nullable(),
});
const bankAccountOutput = z.object({
  id: z.number().int(),
  acc_number: z.string().nullable(),
  bank: relationOutput.nullable(),
  acc_holder_name: z.string().nullable(),
});

const membershipRecord = z.object({
  id: z.number().int(),
  group: relationOutput,
  individual: relationOutput,
  kinds: z.array(relationOutput),
  start_date: z.string().nullable(),
  ended_date: z.string().nullable(),
  is_ended: z.boolean(),
});

const DISCLOSURE_NOTE =
  "Every field but `id` is present unless the caller's field scopes (the roles file's `fieldScopes`) or `?fields=` leave it out: a field left out is absent, never null.";

/**
 * A record schema as answers carry it: every field but `id` may be absent (a field scope or
 * `?fields=` left it out), in nested lists of records too. The record types stay those of the
 * whole record: the use cases work on whole records, and only answers are cut down.
 */
function disclosable(schema: z.ZodObject, note?: string): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([name, field]) => [name, name === 'id' ? field : disclosableField(field as z.ZodType).optional()]),
  );
  const out = z.object(shape);
  return note ? out.describe(note) : out;
}

function disclosableField(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodOptional) return disclosableField(field.unwrap() as z.ZodType);
  if (field instanceof z.ZodArray && field.element instanceof z.ZodObject && field.element.shape.id !== undefined && field.element.shape.name === undefined) {
    return z.array(disclosable(field.element));
  }
  return field;
}

export const membershipOutput = disclosable(membershipRecord, DISCLOSURE_NOTE);

const registrantOutputFields = {
  id: z.number().int(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  mobile: z.string().nullable(),
  address: z.string().nullable(),
  registration_date: z.string().nullable(),
  active: z.boolean(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
};

const individualOutputFields = {
  ...registrantOutputFields,
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  addl_name: z.string().nullable(),
  gender: z.string().nullable(),
  birthdate: z.string().nullable(),
  birthdate_not_exact: z.boolean(),
  birth_place: z.string().nullable(),
  occupation: z.string().nullable(),
  income: z.number().nullable(),
  civil_status: z.string().nullable(),
  reg_ids: z.array(regIdOutput),
  phone_numbers: z.array(phoneNumberOutput),
  bank_accounts: z.array(bankAccountOutput),
};

const groupOutputFields = {
  ...registrantOutputFields,
  kind: relationOutput.nullable(),
  is_partial_group: z.boolean(),
  members: z.array(membershipRecord).optional().describe('Present with ?expand=members'),
};

export const referenceOutput = z.object({
  id: z.number().int(),
  name: z.string(),
  id_validation: z.string().nullable().optional(),
  is_unique: z.boolean().optional(),
  label: z.string().optional(),
});

export const BUILT_IN_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(individualFields),
  ...Object.keys(individualOutputFields),
  ...Object.keys(groupFields),
  ...Object.keys(groupOutputFields),
]);

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
    total: z
      .number()
      .int()
      .optional()
      .describe(
        'Number of matching records (first page only), counted up to api.countLimit; with a contains filter (name, given_name, family_name, phone) up to the page size',
      ),
    total_exact: z
      .boolean()
      .optional()
      .describe('With total: false when counting stopped at its bound (there are at least `total`); ask exact_total=true for the full count'),
    resume_cursor: z.string().optional().describe('sort=updated_at only: pass as ?cursor= later to receive exactly the changes made since this page'),
  });

/** The schemas that depend on the deployment's custom fields. */
export function registrySchemas(customFields: readonly CustomField[]) {
  const customInput = Object.fromEntries(customFields.map((f) => [f.name, customFieldSchema(f).optional()]));
  const customOutput = Object.fromEntries(customFields.map((f) => [f.name, customFieldSchema(f).optional()]));
  const individualShape = { ...individualFields, ...customInput };
  const individualCreate = z
    .object(individualShape)
    .strict()
    .refine((v) => Boolean(v.name || v.given_name || v.family_name), {
      message: 'give name, or given_name and/or family_name',
      path: ['name'],
    });
  const individualPatch = z.object(individualShape).strict().partial();
  const groupCreate = z.object({ ...groupFields, ...customInput, members: z.array(memberInput).max(500).default([]) }).strict();
  const groupPatch = z
    .object({ ...groupFields, ...customInput })
    .strict()
    .partial();
  const individualRecord = z.object({ ...individualOutputFields, ...customOutput });
  const groupRecord = z.object({ ...groupOutputFields, ...customOutput });
  const individualOutput = disclosable(individualRecord, DISCLOSURE_NOTE) as unknown as typeof individualRecord;
  const groupOutput = disclosable(groupRecord, DISCLOSURE_NOTE) as unknown as typeof groupRecord;
  return {
    individualCreate,
    individualPatch,
    /**
     * Documents the batch body. The route validates it with attachValidation: the use case then
     * checks every item itself, answering 422 with `items[i].field` for all bad items at once.
     */
    individualBatch: z.object({ items: z.array(individualCreate).min(1) }).strict(),
    groupCreate,
    groupPatch,
    individualOutput,
    groupOutput,
    individualList: listOf(individualOutput),
    groupList: listOf(groupOutput),
    membershipList: listOf(membershipOutput),
    batchOutput: z.object({ items: z.array(individualOutput) }),
  };
}

export type RegistrySchemas = ReturnType<typeof registrySchemas>;
export type IndividualCreate = z.output<RegistrySchemas['individualCreate']>;
export type IndividualPatch = z.output<RegistrySchemas['individualPatch']>;
export type GroupCreate = z.output<RegistrySchemas['groupCreate']>;
export type GroupPatch = z.output<RegistrySchemas['groupPatch']>;
export type MemberInput = z.output<typeof memberInput>;
export type MemberPatch = z.output<typeof memberPatch>;
export type Individual = z.output<RegistrySchemas['individualOutput']>;
export type Group = z.output<RegistrySchemas['groupOutput']>;
export type Membership = z.output<typeof membershipRecord>;
export type RegIdInput = z.output<typeof regIdInput>;
export type PhoneNumberInput = z.output<typeof phoneNumberInput>;
export type BankAccountInput = z.output<typeof bankAccountInput>;
