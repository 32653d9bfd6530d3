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

/** Fields of OpenG2P's RegistrantInfoResponse. `image_1920` is not read: the gateway does not serve images. */
function registrantOut(r: Individual | Group, isGroup: boolean, regIds: Json[], phones: Json[]): Json {
  return {
    id: r.id,
    name: r.name,
    reg_ids: regIds,
    is_group: isGroup,
    registration_date: r.registration_date,
    phone_number_ids: phones,
    email: r.email,
    address: r.address,
    image_1920: null,
    create_date: r.created_at,
    write_date: r.updated_at,
  };
}

export function individualOut(individual: Individual, today: string): Json {
  return {
    ...registrantOut(
      individual,
      false,
      individual.reg_ids.map((r) => ({ id: r.id, id_type_as_str: r.id_type?.name ?? '', value: r.value, expiry_date: r.expiry_date })),
      individual.phone_numbers.map((p) => ({ id: p.id, phone_no: p.phone_no ?? '', phone_sanitized: p.phone_sanitized ?? p.phone_no ?? '', date_collected: p.date_collected })),
    ),
    given_name: individual.given_name,
    addl_name: individual.addl_name,
    family_name: individual.family_name,
    gender: individual.gender,
    birthdate: individual.birthdate,
    age: ageOn(individual.birthdate, today),
    birth_place: individual.birth_place,
  };
}

/** OpenG2P's GroupMembersInfoResponse: the membership with its individual in full. */
export function memberOut(membership: Membership, individual: Individual | undefined, today: string): Json {
  return {
    id: membership.id,
    individual: individual ? individualOut(individual, today) : null,
    // create_date / write_date are optional in the module's schema and left out: the registry
    // does not read a membership's own timestamps, and the schema does not allow null.
    kind: membership.kinds.map((k) => ({ name: k.name })),
  };
}

/**
 * A group as the module shows it: the short form of a search leaves out the members and
 * `is_partial_group`. The registry keeps no IDs or phone numbers on groups.
 */
export function groupOut(group: Group, members: Json[] | undefined): Json {
  return {
    ...registrantOut(group, true, [], []),
    ...(members ? { group_membership_ids: members, is_partial_group: group.is_partial_group } : {}),
  };
}

const regIdsIn = (ids: RegistrantIdRequest[] | null | undefined) =>
  (ids ?? []).map((id) => ({
    id_type: id.id_type,
    value: id.value,
    ...(id.status !== undefined ? { status: id.status } : {}),
    ...(id.expiry_date !== undefined ? { expiry_date: id.expiry_date } : {}),
    ...(id.description !== undefined ? { description: id.description } : {}),
  }));

const phonesIn = (phones: PhoneNumberRequest[] | null | undefined) =>
  (phones ?? []).map((p) => ({ phone_no: p.phone_no, ...(p.date_collected !== undefined ? { date_collected: p.date_collected } : {}) }));

/** Keys whose `null` means "not given" (the module treats None as absent). */
function definedValues(values: Json): Json {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

/** The plain fields of an individual request; null and absent both mean "not given". */
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

/** An IndividualInfoRequest (or a group member) as the registry's individual create input. */
export function individualIn(request: IndividualRequest | GroupMemberRequest): Json {
  return {
    ...personValues(request),
    ...(request.ids?.length ? { reg_ids: regIdsIn(request.ids) } : {}),
    ...(request.phone_numbers?.length ? { phone_numbers: phonesIn(request.phone_numbers) } : {}),
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
    const given = regIdsIn(request.ids);
    const kept = current.reg_ids
      .filter((r) => r.id_type && !given.some((g) => g.id_type.toLowerCase() === r.id_type!.name.toLowerCase()))
      .map((r) => definedValues({ id_type: r.id_type!.id, value: r.value, status: r.status, expiry_date: r.expiry_date, description: r.description }));
    patch.reg_ids = [...kept, ...given];
  }
  if (request.phone_numbers?.length) {
    const given = phonesIn(request.phone_numbers);
    const kept = current.phone_numbers
      .filter((p) => p.phone_no && !given.some((g) => g.phone_no === p.phone_no))
      .map((p) => definedValues({ phone_no: p.phone_no, date_collected: p.date_collected }));
    patch.phone_numbers = [...kept, ...given];
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
