import type { OdooClient } from '../odoo/types.js';
import type { CustomField, CustomFieldRole } from './custom-fields.js';
import type { FieldError } from './field-error.js';
import { individualName } from './names.js';
import type { ReferenceCache } from './reference.js';
import type { BankAccountInput, IndividualCreate, IndividualPatch, Individual, PhoneNumberInput, RegIdInput } from './schemas.js';

/**
 * API input -> Odoo `create`/`write` values. Reference names are resolved here (through the
 * cache) and every problem is collected with its field path, so one answer names them all.
 */

export interface WriteContext {
  client: OdooClient;
  refs: ReferenceCache;
  customFields: readonly CustomField[];
  roles: ReadonlySet<CustomFieldRole>;
  /** Prefix of field paths in errors: '' for a single body, 'items[3].' in a batch. */
  path: string;
  errors: FieldError[];
  /** UTC today, "YYYY-MM-DD": registration dates after it are refused up front. */
  today: string;
}

type Vals = Record<string, unknown>;
/** x2many commands: [0, 0, vals] create, [1, id, vals] update, [2, id] delete, [6, 0, ids] set. */
type Command = [0, 0, Vals] | [1, number, Vals] | [2, number] | [6, 0, number[]];

/**
 * `image_1920` (the photo, base64) is in no schema of the registry API; only the OpenG2P
 * compatibility surface, whose module stores it, passes it (see RegistrantPhoto).
 */
const SIMPLE_FIELDS = [
  'given_name',
  'family_name',
  'addl_name',
  'birth_place',
  'occupation',
  'civil_status',
  'email',
  'phone',
  'mobile',
  'address',
  'birthdate',
  'income',
  'registration_date',
  'birthdate_not_exact',
  'image_1920',
] as const;

/** A registrant's photo as Odoo's `image_1920` takes it: base64 of the image file. */
export interface RegistrantPhoto {
  image_1920?: string;
}

/** Odoo writes `false` for empty. */
const odooValue = (value: unknown): unknown => (value === null ? false : value);

export async function individualCreateValues(ctx: WriteContext, input: IndividualCreate & RegistrantPhoto, marker?: string): Promise<Vals> {
  const vals: Vals = { is_registrant: true, is_group: false };
  await commonValues(ctx, input as Record<string, unknown>, vals);
  vals.name = input.name ?? individualName(input);
  await idAndPhoneValues(ctx, input, vals);
  if (input.bank_accounts?.length) vals.bank_ids = await bankCommands(ctx, input.bank_accounts, []);
  if (marker) vals.ref = marker;
  return vals;
}

/** Values for a PATCH of `current`; nested lists given in the patch replace the current ones (matched by type / number). */
export async function individualPatchValues(ctx: WriteContext, patch: IndividualPatch & RegistrantPhoto, current: Individual): Promise<Vals> {
  const vals: Vals = {};
  await commonValues(ctx, patch as Record<string, unknown>, vals);
  const touchesName = 'given_name' in patch || 'family_name' in patch || 'addl_name' in patch;
  if (patch.name !== undefined) vals.name = patch.name;
  else if (touchesName) {
    const merged = {
      given_name: 'given_name' in patch ? patch.given_name : current.given_name,
      family_name: 'family_name' in patch ? patch.family_name : current.family_name,
      addl_name: 'addl_name' in patch ? patch.addl_name : current.addl_name,
    };
    const name = individualName(merged);
    if (!name) ctx.errors.push({ field: `${ctx.path}given_name`, message: 'an individual needs a name: given_name or family_name must remain set' });
    vals.name = name;
  }
  if (patch.reg_ids)
    vals.reg_ids = await regIdCommands(
      ctx,
      patch.reg_ids,
      current.reg_ids.map((r) => ({ id: r.id, key: r.id_type?.id ?? 0 })),
    );
  if (patch.phone_numbers) {
    vals.phone_number_ids = phoneCommands(
      patch.phone_numbers,
      current.phone_numbers.map((p) => ({ id: p.id, key: p.phone_no ?? '' })),
    );
    if (patch.phone === undefined) vals.phone = primaryPhone(patch.phone_numbers) ?? false;
  }
  if (patch.bank_accounts)
    vals.bank_ids = await bankCommands(
      ctx,
      patch.bank_accounts,
      current.bank_accounts.map((b) => ({ id: b.id, key: b.acc_number ?? '' })),
    );
  return vals;
}

/** IDs and phone numbers a new registrant (individual or group) is created with. */
export interface RegistrantContacts {
  reg_ids?: RegIdInput[];
  phone_numbers?: PhoneNumberInput[];
  phone?: string | null;
}

/**
 * The partner's own `phone` is the first phone number unless given: OpenG2P's REST module and
 * its forms keep it so, and Odoo's search, screens and messaging read `phone`, not the list.
 */
const primaryPhone = (phones: readonly PhoneNumberInput[]): string | undefined => phones.find((p) => p.phone_no)?.phone_no;

/** ID and phone commands of a create, and the partner's `phone` from the first number. */
export async function idAndPhoneValues(ctx: WriteContext, input: RegistrantContacts, vals: Vals): Promise<void> {
  if (input.reg_ids?.length) vals.reg_ids = await regIdCommands(ctx, input.reg_ids, []);
  if (input.phone_numbers?.length) {
    vals.phone_number_ids = phoneCommands(input.phone_numbers, []);
    const primary = primaryPhone(input.phone_numbers);
    if (input.phone === undefined && primary) vals.phone = primary;
  }
}

/** Plain fields shared by create and patch, gender by name, and the deployment's custom fields. */
export async function commonValues(ctx: WriteContext, input: Record<string, unknown>, vals: Vals): Promise<void> {
  for (const field of SIMPLE_FIELDS) if (field in input && input[field] !== undefined) vals[field] = odooValue(input[field]);
  if (typeof input.registration_date === 'string' && input.registration_date > ctx.today) {
    ctx.errors.push({ field: `${ctx.path}registration_date`, message: 'must not be in the future' });
  }
  if (input.gender !== undefined) {
    if (input.gender === null) vals.gender = false;
    else {
      const gender = await ctx.refs.resolveInto(ctx.client, 'genders', input.gender as string | number, `${ctx.path}gender`, ctx.errors);
      if (gender) vals.gender = gender.name;
    }
  }
  customValuesInto(ctx, input, vals);
}

export function customValuesInto(ctx: WriteContext, input: Record<string, unknown>, vals: Vals): void {
  for (const field of ctx.customFields) {
    if (input[field.name] === undefined) continue;
    if (!ctx.roles.has(field.writeRole)) {
      ctx.errors.push({ field: `${ctx.path}${field.name}`, message: `setting this field needs the role "${field.writeRole}"` });
      continue;
    }
    vals[field.odooField] = odooValue(input[field.name]);
  }
}

interface Existing {
  id: number;
  key: string | number;
}

/**
 * Replace semantics with the least churn: an entry whose key (ID type, phone number, account
 * number) already exists is updated in place (its id survives), new ones are created, the rest
 * removed.
 */
function replaceCommands(entries: Array<{ key: string | number; vals: Vals }>, existing: Existing[]): Command[] {
  const commands: Command[] = [];
  const kept = new Set<number>();
  for (const entry of entries) {
    const match = existing.find((e) => e.key === entry.key && !kept.has(e.id));
    if (match) {
      kept.add(match.id);
      if (Object.keys(entry.vals).length) commands.push([1, match.id, entry.vals]);
    } else commands.push([0, 0, entry.vals]);
  }
  for (const e of existing) if (!kept.has(e.id)) commands.push([2, e.id]);
  return commands;
}

/**
 * Replace semantics for a list read back in id order whose order means something (the first
 * phone number is the partner's `phone`): by key when that keeps the order sent; otherwise the
 * existing records, in id order, take the sent entries one by one (`blank` clears what an entry
 * does not set), so the order is kept without deleting anything the list still needs (OpenG2P's
 * "Rest API POST" group may not delete phone numbers).
 */
function orderedReplaceCommands(entries: Array<{ key: string | number; vals: Vals }>, existing: Existing[], blank: Vals): Command[] {
  const byId = [...existing].sort((a, b) => a.id - b.id);
  let lastKept = 0;
  let created = false;
  const used = new Set<number>();
  const keepsOrder = entries.every((entry) => {
    const match = byId.find((e) => e.key === entry.key && !used.has(e.id));
    if (!match) return (created = true);
    used.add(match.id);
    const inOrder = !created && match.id > lastKept;
    lastKept = match.id;
    return inOrder;
  });
  if (keepsOrder) return replaceCommands(entries, existing);
  const commands: Command[] = entries.map((entry, i) => (byId[i] ? [1, byId[i].id, { ...blank, ...entry.vals }] : [0, 0, entry.vals]));
  for (const e of byId.slice(entries.length)) commands.push([2, e.id]);
  return commands;
}

async function regIdCommands(ctx: WriteContext, regIds: RegIdInput[], existing: Existing[]): Promise<Command[]> {
  const entries: Array<{ key: number; vals: Vals }> = [];
  const seenTypes = new Set<number>();
  for (const [i, regId] of regIds.entries()) {
    const path = `${ctx.path}reg_ids[${i}]`;
    const type = await ctx.refs.resolveInto(ctx.client, 'idTypes', regId.id_type, `${path}.id_type`, ctx.errors);
    if (!type) continue;
    if (seenTypes.has(type.id)) {
      ctx.errors.push({ field: `${path}.id_type`, message: `a registrant has at most one ID of each type; "${type.name}" is given twice` });
      continue;
    }
    seenTypes.add(type.id);
    const pattern = type.extra.id_validation;
    if (typeof pattern === 'string' && !pythonReMatch(pattern, regId.value)) {
      ctx.errors.push({ field: `${path}.value`, message: `does not match the format of ${type.name} (${pattern})` });
    }
    const vals: Vals = { id_type: type.id, value: regId.value };
    if (regId.status !== undefined) vals.status = odooValue(regId.status);
    if (regId.expiry_date !== undefined) vals.expiry_date = odooValue(regId.expiry_date);
    if (regId.description !== undefined) vals.description = odooValue(regId.description);
    entries.push({ key: type.id, vals });
  }
  return replaceCommands(entries, existing);
}

function phoneCommands(phones: PhoneNumberInput[], existing: Existing[]): Command[] {
  return orderedReplaceCommands(
    phones.map((p) => {
      const vals: Vals = { phone_no: p.phone_no };
      if (p.date_collected !== undefined) vals.date_collected = odooValue(p.date_collected);
      return { key: p.phone_no, vals };
    }),
    existing,
    { date_collected: false },
  );
}

async function bankCommands(ctx: WriteContext, banks: BankAccountInput[], existing: Existing[]): Promise<Command[]> {
  const entries: Array<{ key: string; vals: Vals }> = [];
  for (const [i, account] of banks.entries()) {
    const vals: Vals = { acc_number: account.acc_number };
    if (account.bank !== undefined && account.bank !== null) {
      const bank = await ctx.refs.resolveInto(ctx.client, 'banks', account.bank, `${ctx.path}bank_accounts[${i}].bank`, ctx.errors);
      if (bank) vals.bank_id = bank.id;
    } else if (account.bank === null) vals.bank_id = false;
    if (account.acc_holder_name !== undefined) vals.acc_holder_name = odooValue(account.acc_holder_name);
    entries.push({ key: account.acc_number, vals });
  }
  return replaceCommands(entries, existing);
}

/** Python's re.match, which OpenG2P uses for `id_validation`: anchored at the start only. */
function pythonReMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})`, 'u').test(value);
  } catch {
    // A pattern JavaScript cannot compile: leave the check to Odoo.
    return true;
  }
}

export const utcToday = (): string => new Date().toISOString().slice(0, 10);
