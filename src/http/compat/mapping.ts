import type { RegistrantExtras } from '../../registry/extras.js';
import type { Group, Individual, Membership } from '../../registry/schemas.js';
import type { GroupMemberRequest, GroupRequest, IndividualRequest, PhoneNumberRequest, RegistrantIdRequest, UpdateIndividualRequest } from './schemas.js';

/**
 * OpenG2P REST module JSON <-> the registry's shapes. The keys and their order are the module's
 * (`reg_ids[].id_type_as_str`, `phone_number_ids`, `group_membership_ids[].individual`,
 * `kind[].name`); the values are the registry's, so the module's defects (empty IDs and phones,
 * null email, address and birthdate) are gone.
 */

type Json = Record<string, unknown>;

/** OpenG2P's `age`: whole years since the birthdate, as text, or its fixed "No Birthdate!". */
export function ageOn(birthdate: string | null, today: string): string {
  if (!birthdate) return 'No Birthdate!';
  const [by, bm, bd] = birthdate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const years = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
  return String(years);
}

/** A registrant's photo (base64 `image_1920`), or null; read apart from the record (registry/extras.ts). */
export type Photo = string | null | undefined;

// A field scope may have left a list out of the record (undefined): nothing to map then.
const regIdsOut = (ids: Individual['reg_ids'] | undefined): Json[] =>
  (ids ?? []).map((r) => ({ id: r.id, id_type_as_str: r.id_type?.name ?? '', value: r.value, expiry_date: r.expiry_date }));
const phonesOut = (phones: Individual['phone_numbers'] | undefined): Json[] =>
  (phones ?? []).map((p) => ({
    id: p.id,
    phone_no: p.phone_no ?? '',
    phone_sanitized: p.phone_sanitized ?? p.phone_no ?? '',
    date_collected: p.date_collected,
  }));

/** Fields of OpenG2P's RegistrantInfoResponse. */
function registrantOut(r: Individual | Group, isGroup: boolean, regIds: Json[], phones: Json[], photo: Photo): Json {
  return {
    id: r.id,
    name: r.name,
    reg_ids: regIds,
    is_group: isGroup,
    registration_date: r.registration_date,
    phone_number_ids: phones,
    email: r.email,
    address: r.address,
    image_1920: photo ?? null,
    create_date: r.created_at,
    write_date: r.updated_at,
  };
}

export function individualOut(individual: Individual, today: string, photo: Photo): Json {
  return {
    ...registrantOut(individual, false, regIdsOut(individual.reg_ids), phonesOut(individual.phone_numbers), photo),
    given_name: individual.given_name,
    addl_name: individual.addl_name,
    family_name: individual.family_name,
    gender: individual.gender,
    birthdate: individual.birthdate,
    age: ageOn(individual.birthdate ?? null, today),
    birth_place: individual.birth_place,
  };
}

/** OpenG2P's GroupMembersInfoResponse: the membership with its individual in full. */
export function memberOut(membership: Membership, individual: Individual | undefined, today: string, photo: Photo): Json {
  return {
    id: membership.id,
    individual: individual ? individualOut(individual, today, photo) : null,
    // create_date / write_date are optional in the module's schema and left out: the registry
    // does not read a membership's own timestamps, and the schema does not allow null.
    kind: (membership.kinds ?? []).map((k) => ({ name: k.name })),
  };
}

/**
 * A group as the module shows it: the short form of a search leaves out the members and
 * `is_partial_group`. Its IDs and phone numbers are listed (the module answers them empty).
 */
export function groupOut(group: Group, members: Json[] | undefined, extras: RegistrantExtras | undefined): Json {
  return {
    ...registrantOut(group, true, regIdsOut(extras?.reg_ids ?? []), phonesOut(extras?.phone_numbers ?? []), extras?.photo),
    ...(members ? { group_membership_ids: members, is_partial_group: group.is_partial_group } : {}),
  };
}

/**
 * The module takes an empty string in an optional field as "not given" (`x if x else None`,
 * dates through its `parse_dob` validators); so does the gateway, everywhere below.
 */
const given = <T>(value: T | null | undefined): T | undefined => (value === null || value === undefined || value === '' ? undefined : value);

/**
 * IDs as the module writes them: expiry date and description stored empty when not given, and
 * so is the status (an update of an ID of the same type clears it, as the module's does).
 */
const regIdsIn = (ids: RegistrantIdRequest[] | null | undefined) =>
  (ids ?? []).map((id) => ({
    id_type: id.id_type,
    value: id.value,
    status: given(id.status) ?? null,
    expiry_date: given(id.expiry_date) ?? null,
    description: given(id.description) ?? null,
  }));

/**
 * Phone numbers as the module writes them, with no collection date unless one is given (the
 * module sends `None`, so Odoo's default of today does not apply). A blank number is left out:
 * the module stores it as an empty phone record (a defect).
 */
const phonesIn = (phones: PhoneNumberRequest[] | null | undefined) =>
  (phones ?? []).filter((p) => p.phone_no !== '').map((p) => ({ phone_no: p.phone_no, date_collected: given(p.date_collected) ?? null }));

/** The partner's `phone` the module sets: the first non-blank number of the request. */
const firstPhone = (phones: PhoneNumberRequest[] | null | undefined): string | undefined => (phones ?? []).find((p) => p.phone_no !== '')?.phone_no;

/** Keys given a value (not absent, null or empty text). */
function definedValues(values: Json): Json {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => given(v) !== undefined));
}

/** The plain fields of an individual request; absent, null and "" all mean "not given". */
function personValues(request: IndividualRequest | GroupMemberRequest | UpdateIndividualRequest): Json {
  return definedValues({
    name: request.name,
    given_name: request.given_name,
    family_name: request.family_name,
    addl_name: request.addl_name,
    gender: request.gender,
    birthdate: request.birthdate,
    birth_place: request.birth_place,
    email: request.email,
    address: request.address,
    registration_date: request.registration_date,
  });
}

/** The photo the module stores from `image_1920` (group members have none in its schema). */
export const photoIn = (request: IndividualRequest | UpdateIndividualRequest): Json => definedValues({ image_1920: request.image_1920 });

/** An IndividualInfoRequest (or a group member) as the registry's individual create input. */
export function individualIn(request: IndividualRequest | GroupMemberRequest): Json {
  const phones = phonesIn(request.phone_numbers);
  return {
    ...personValues(request),
    ...(request.ids?.length ? { reg_ids: regIdsIn(request.ids) } : {}),
    ...(phones.length ? { phone_numbers: phones } : {}),
  };
}

/**
 * An update as a registry patch. IDs and phone numbers given are added to (or, for an ID of a
 * type the individual already has, replace) the current ones: the module never removes any.
 */
export function individualPatchIn(request: UpdateIndividualRequest, current: Individual): Json {
  const patch = personValues(request);
  // The module never rebuilds `name` from its parts (the registry does when they change alone).
  if (patch.name === undefined && ['given_name', 'family_name', 'addl_name'].some((k) => k in patch)) patch.name = current.name;
  if (request.ids?.length) {
    const sent = regIdsIn(request.ids);
    const kept = current.reg_ids
      .filter((r) => r.id_type && !sent.some((g) => g.id_type.toLowerCase() === r.id_type!.name.toLowerCase()))
      .map((r) => definedValues({ id_type: r.id_type!.id, value: r.value, status: r.status, expiry_date: r.expiry_date, description: r.description }));
    patch.reg_ids = [...kept, ...sent];
  }
  const phones = phonesIn(request.phone_numbers);
  if (phones.length) {
    const kept = current.phone_numbers
      .filter((p) => p.phone_no && !phones.some((g) => g.phone_no === p.phone_no))
      .map((p) => definedValues({ phone_no: p.phone_no, date_collected: p.date_collected }));
    patch.phone_numbers = [...kept, ...phones];
    patch.phone = firstPhone(request.phone_numbers);
  }
  return patch;
}

/** The group's own fields as the registry's group create input (members are added by the route). */
export function groupIn(request: GroupRequest): Json {
  return definedValues({
    name: request.name,
    kind: request.kind,
    is_partial_group: request.is_partial_group,
    email: request.email,
    address: request.address,
    registration_date: request.registration_date,
  });
}

/** The IDs and phone numbers the module stores on a group (its `phone` from the first number, by the registry). */
export function groupContactsIn(request: GroupRequest): Json {
  const phones = phonesIn(request.phone_numbers);
  return {
    ...(request.ids?.length ? { reg_ids: regIdsIn(request.ids) } : {}),
    ...(phones.length ? { phone_numbers: phones } : {}),
  };
}
