import { z } from 'zod';
import { DATE_MESSAGE, isCompatDate } from './errors.js';
import { BIRTHDATE_MESSAGE, isPlausibleBirthdate } from '../../registry/schemas.js';

/**
 * Request bodies of OpenG2P's REST module, key for key as its OpenAPI document declares them
 * (`IndividualInfoRequest`, `GroupInfoRequest`, ...). Unknown keys are ignored, as pydantic
 * does; the values then go through the registry's own validation like any other write.
 */

/** A YYYY-MM-DD date, or "" for none (the module's date validators return None for it). */
const date = z.string().refine((v) => v === '' || isCompatDate(v), DATE_MESSAGE);
const birthdate = date.refine((v) => v === '' || !isCompatDate(v) || isPlausibleBirthdate(v), BIRTHDATE_MESSAGE);
const nullableText = z.string().nullable().optional();

export const registrantIdRequest = z.object({
  id_type: z.string(),
  value: z.string(),
  expiry_date: date.optional(),
  status: z.string().optional(),
  description: z.string().optional(),
});

export const phoneNumberRequest = z.object({
  phone_no: z.string(),
  date_collected: date.optional(),
});

/** Fields every registrant request shares (OpenG2P's RegistrantInfoRequest). */
const registrantFields = {
  ids: z.array(registrantIdRequest).nullable().optional(),
  registration_date: date.optional(),
  phone_numbers: z.array(phoneNumberRequest).nullable().optional(),
  email: nullableText,
  address: nullableText,
  image_1920: nullableText,
};

const personFields = {
  addl_name: nullableText,
  family_name: nullableText,
  birthdate: birthdate.optional(),
  birth_place: nullableText,
};

/**
 * Text the module requires and answers with: empty, it makes the module fail with 500 (its
 * response model rejects the record it just wrote, and the write is rolled back); here, 422.
 */
const requiredText = z.string().min(1);

export const individualRequest = z.object({
  name: requiredText,
  given_name: requiredText,
  gender: z.string().nullable(),
  ...registrantFields,
  ...personFields,
});

export const updateIndividualRequest = z.object({
  updateId: z.string(),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  gender: z.string().nullable(),
  ...registrantFields,
  ...personFields,
});

export const updateIndividualsRequest = z.array(updateIndividualRequest);

export const groupMemberRequest = z.object({
  name: requiredText,
  given_name: z.string().optional(),
  addl_name: z.string().optional(),
  family_name: z.string().optional(),
  ids: z.array(registrantIdRequest).optional(),
  registration_date: date.optional(),
  phone_numbers: z.array(phoneNumberRequest).optional(),
  email: z.string().nullable(),
  address: z.string().nullable(),
  gender: z.string().nullable(),
  birthdate: birthdate.optional(),
  birth_place: z.string().nullable(),
  kind: z.array(z.object({ name: z.string().nullable() })).optional(),
});

export const groupRequest = z.object({
  name: z.string(),
  members: z.array(groupMemberRequest),
  kind: z.string().nullable(),
  is_partial_group: z.boolean().nullable(),
  ...registrantFields,
});

const queryText = z.string().optional();
/** FastAPI reads `?flag=true|false|1|0|yes|no|on|off`. */
const queryBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v))
  .optional();
const queryId = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => n <= 2 ** 31 - 1)
  .optional();

export const searchIndividualsQuery = z.object({ _id: queryId, name: queryText });
export const searchGroupsQuery = z.object({ _id: queryId, name: queryText, include_members_full: queryBoolean });
export const individualIdsQuery = z.object({ include_id_type: queryText, exclude_id_type: queryText });
export const updateIndividualQuery = z.object({ id_type: queryText });
export const pathId = z.object({
  _id: z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .refine((n) => n <= 2 ** 31 - 1),
});

export type IndividualRequest = z.output<typeof individualRequest>;
export type UpdateIndividualRequest = z.output<typeof updateIndividualRequest>;
export type GroupRequest = z.output<typeof groupRequest>;
export type GroupMemberRequest = z.output<typeof groupMemberRequest>;
export type RegistrantIdRequest = z.output<typeof registrantIdRequest>;
export type PhoneNumberRequest = z.output<typeof phoneNumberRequest>;
