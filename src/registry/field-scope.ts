import { createHash } from 'node:crypto';
import type { WebSpecification } from '../odoo/types.js';
import type { CustomField } from './custom-fields.js';
import { RegistryError } from './errors.js';
import type { FieldError } from './field-error.js';
import { versionOf } from './version.js';

/**
 * Field scopes (data minimisation): which fields of a record a caller may see, as a tree of
 * API field names (`reg_ids: { value: true }`). The same tree narrows the Odoo specification,
 * so a field outside it is never read from Odoo, and projects the mapped record, so it is
 * absent from the answer. `id` is always part of a record (of a nested one too): it is how the
 * record is named, not registrant data.
 */

export const RESOURCES = ['individual', 'group', 'membership'] as const;
export type Resource = (typeof RESOURCES)[number];

/** Selected fields: `true` for the whole field, a sub-tree for some fields of a nested list. */
export interface Selection {
  readonly [field: string]: true | Selection;
}

/** What one caller may see of each kind of record; a kind left out is seen whole. */
export interface FieldView {
  /** The names of the scopes it comes from (for the audit), `fields` when only `?fields=` narrowed it. */
  readonly scopes: readonly string[];
  readonly individual?: Selection;
  readonly group?: Selection;
  readonly membership?: Selection;
  /** Short hash of the selections: part of every version (ETag) and cache address made under the view. */
  readonly fingerprint: string;
  /**
   * Set on a view `?fields=` narrowed: what the caller's scopes allow (null: every field). What a
   * caller may filter, sort and write by is its scope, not the fields it chose to be answered with.
   */
  readonly scope?: FieldView | null;
}

/** The caller's scope behind a view (undefined: every field). */
const scopeOf = (view: FieldView | undefined): FieldView | undefined => (view?.scope === undefined ? view : (view.scope ?? undefined));

/** How one API field is read from Odoo: plain fields, or a nested list / relation with its own fields. */
type FieldSource = { spec: WebSpecification } | { relation: string; order?: string; fields: FieldCatalog };
export type FieldCatalog = Readonly<Record<string, FieldSource>>;

const NAME_ONLY = { fields: { display_name: {} } };
const plain = (odooField: string, spec: WebSpecification[string] = {}): FieldSource => ({ spec: { [odooField]: spec } });
const sameNames = (...names: string[]): Record<string, FieldSource> => Object.fromEntries(names.map((n) => [n, plain(n)]));

const REGISTRANT: FieldCatalog = {
  ...sameNames('name', 'email', 'phone', 'mobile', 'address', 'registration_date', 'active'),
  created_at: plain('create_date'),
  updated_at: plain('write_date'),
};

const MEMBERSHIP: FieldCatalog = {
  group: plain('group', NAME_ONLY),
  individual: plain('individual', NAME_ONLY),
  kinds: plain('kind', NAME_ONLY),
  ...sameNames('start_date', 'ended_date', 'is_ended'),
};

const custom = (customFields: readonly CustomField[]): FieldCatalog => Object.fromEntries(customFields.map((f) => [f.name, plain(f.odooField)]));

/** Every field of every kind of record, with where it comes from in Odoo (mapping.ts's specifications, field by field). */
export function fieldCatalog(customFields: readonly CustomField[]): Readonly<Record<Resource, FieldCatalog>> {
  return {
    individual: {
      ...REGISTRANT,
      ...sameNames(
        'given_name',
        'family_name',
        'addl_name',
        'gender',
        'birthdate',
        'birthdate_not_exact',
        'birth_place',
        'occupation',
        'income',
        'civil_status',
      ),
      reg_ids: {
        relation: 'reg_ids',
        order: 'id asc',
        fields: { id_type: plain('id_type', NAME_ONLY), ...sameNames('value', 'status', 'expiry_date', 'description') },
      },
      phone_numbers: { relation: 'phone_number_ids', order: 'id asc', fields: sameNames('phone_no', 'phone_sanitized', 'date_collected') },
      bank_accounts: {
        relation: 'bank_ids',
        order: 'id asc',
        fields: { acc_number: plain('acc_number'), bank: plain('bank_id', NAME_ONLY), acc_holder_name: plain('acc_holder_name') },
      },
      ...custom(customFields),
    },
    group: {
      ...REGISTRANT,
      kind: plain('kind', NAME_ONLY),
      is_partial_group: plain('is_partial_group'),
      ...custom(customFields),
      members: { relation: 'group_membership_ids', order: 'id asc', fields: MEMBERSHIP },
    },
    membership: MEMBERSHIP,
  };
}

/** The whole of a catalog as a selection. */
export function everything(catalog: FieldCatalog): Selection {
  return Object.fromEntries(Object.keys(catalog).map((name) => [name, true]));
}

/** A field of the catalog by a caller's name for it: its own fields only (`constructor` or `toString` name none). */
const fieldOf = <F>(catalog: Readonly<Record<string, F>>, name: string): F | undefined => (Object.hasOwn(catalog, name) ? catalog[name] : undefined);

/** Dotted paths (`name`, `reg_ids.value`) as a selection; each unknown path is a problem naming it and why. */
export function parseFieldPaths(catalog: FieldCatalog, paths: readonly string[]): { selection: Selection; problems: Array<{ path: string; message: string }> } {
  const problems: Array<{ path: string; message: string }> = [];
  let selection: Selection = {};
  for (const path of paths) {
    const [head, sub, ...rest] = path.split('.');
    if (head === 'id' && sub === undefined) continue;
    const source = head === undefined ? undefined : fieldOf(catalog, head);
    if (!source) {
      problems.push({ path, message: `is not a field; the fields are ${Object.keys(catalog).join(', ')}` });
      continue;
    }
    if (sub === undefined) {
      selection = union(selection, { [head!]: true });
      continue;
    }
    if (!('relation' in source) || rest.length > 0 || (sub !== 'id' && !fieldOf(source.fields, sub))) {
      const known = 'relation' in source ? `; the fields of ${head} are ${Object.keys(source.fields).join(', ')}` : `; ${head} has no fields of its own`;
      problems.push({ path, message: `is not a field${rest.length > 0 ? ' (at most one level of nesting)' : known}` });
      continue;
    }
    selection = union(selection, { [head!]: sub === 'id' ? {} : { [sub]: true } });
  }
  return { selection, problems };
}

/** Both selections: what either shows. */
export function union(a: Selection, b: Selection): Selection {
  const out: Record<string, true | Selection> = { ...a };
  for (const [name, value] of Object.entries(b)) {
    const current = out[name];
    out[name] = current === undefined ? value : current === true || value === true ? true : union(current, value);
  }
  return out;
}

/** What `wanted` asks of `allowed`, or the paths it asks for outside it. */
export function narrow(allowed: Selection, wanted: Selection, prefix = ''): { selection: Selection; outside: string[] } {
  const out: Record<string, true | Selection> = {};
  const outside: string[] = [];
  for (const [name, value] of Object.entries(wanted)) {
    const limit = allowed[name];
    if (limit === undefined) outside.push(`${prefix}${name}`);
    else if (limit === true) out[name] = value;
    else if (value === true) out[name] = limit;
    else {
      const inner = narrow(limit, value, `${prefix}${name}.`);
      outside.push(...inner.outside);
      out[name] = inner.selection;
    }
  }
  return { selection: out, outside };
}

/** Whether a dotted path (`reg_ids.value`, `updated_at`) is visible under the selection. */
export function shows(selection: Selection, path: string): boolean {
  let node: true | Selection = selection;
  for (const part of path.split('.')) {
    if (node === true) return true;
    if (part === 'id') return true;
    const next: true | Selection | undefined = node[part];
    if (next === undefined) return false;
    node = next;
  }
  return true;
}

/** The selection's fields as dotted paths (a whole field by its name), for the disclosure audit. */
export function pathsOf(selection: Selection, prefix = ''): string[] {
  return Object.entries(selection).flatMap(([name, value]) =>
    value === true ? [`${prefix}${name}`] : [`${prefix}${name}.id`, ...pathsOf(value, `${prefix}${name}.`)],
  );
}

const specCache = new WeakMap<Selection, WeakMap<FieldCatalog, WebSpecification>>();

/** The Odoo specification reading exactly the selected fields (memoised: a view's selections live as long as the view). */
export function specificationOf(catalog: FieldCatalog, selection: Selection): WebSpecification {
  let byCatalog = specCache.get(selection);
  let spec = byCatalog?.get(catalog);
  if (spec) return spec;
  spec = {};
  for (const [name, value] of Object.entries(selection)) {
    const source = fieldOf(catalog, name);
    if (!source) continue;
    if ('spec' in source) Object.assign(spec, source.spec);
    else
      spec[source.relation] = {
        fields: specificationOf(source.fields, value === true ? everything(source.fields) : value),
        ...(source.order ? { order: source.order } : {}),
      };
  }
  if (!byCatalog) specCache.set(selection, (byCatalog = new WeakMap()));
  byCatalog.set(catalog, spec);
  return spec;
}

/** The record with only the selected fields (and its id); nested lists keep only their selected fields. */
export function project<T>(value: T, selection: Selection): T {
  if (Array.isArray(value)) return (value as unknown[]).map((item) => project(item, selection)) as T;
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('id' in record) out.id = record.id;
  for (const [name, sub] of Object.entries(selection)) {
    if (!(name in record)) continue;
    out[name] = sub === true ? record[name] : project(record[name], sub);
  }
  return out as T;
}

/**
 * A view as kept with work done later for its caller (a DCI subscription, a webhook): the
 * scopes' names and the selections they made then, as JSON. What they send holds that view,
 * whatever the roles file says later.
 */
export type StoredView = { scopes: string[] } & { [R in Resource]?: Selection };

export function storedView(view: FieldView): StoredView {
  const out: StoredView = { scopes: [...view.scopes] };
  for (const resource of RESOURCES) if (view[resource] !== undefined) out[resource] = view[resource];
  return out;
}

const storedViews = new WeakMap<StoredView, FieldView>();

/** The view a stored one was made from (undefined: no scope, every field); memoised per stored object. */
export function viewOfStored(stored: StoredView | undefined): FieldView | undefined {
  if (!stored) return undefined;
  let view = storedViews.get(stored);
  if (!view) {
    const { scopes, ...selections } = stored;
    view = makeView(scopes, selections);
    storedViews.set(stored, view);
  }
  return view;
}

/** A view from selections (the fingerprint computed here, so equal views share it). */
export function makeView(scopes: readonly string[], selections: Partial<Record<Resource, Selection>>): FieldView {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(RESOURCES.map((r) => (selections[r] ? sorted(selections[r]) : null))))
    .digest('base64url')
    .slice(0, 12);
  return { scopes, ...selections, fingerprint };
}

function sorted(selection: Selection): unknown {
  return Object.keys(selection)
    .sort()
    .map((name) => {
      const value = selection[name]!;
      return [name, value === true ? 1 : sorted(value)];
    });
}

/**
 * A record's version under a view: the hash of what the caller sees, and of the view itself, so
 * two callers who see different fields never share a version (nor an ETag, nor a cache entry).
 * Without a view it is the version of the whole record, as before scopes existed.
 */
export function versionUnder(view: FieldView | undefined, representation: unknown): string {
  return view ? versionOf({ view: view.fingerprint, value: representation }) : versionOf(representation);
}

/** 400: a filter, sort or `fields` entry names a field the caller may not see (or that does not exist). */
export function unseenFields(errors: FieldError[]): RegistryError {
  const detail = errors.length === 1 ? `${errors[0]!.field}: ${errors[0]!.message}` : `${errors.length} parameters name fields you may not see; see errors.`;
  return new RegistryError('bad_parameter', detail, errors);
}

/** 403: a write sets fields outside the caller's scope. */
export function unwritableFields(paths: string[]): RegistryError {
  return new RegistryError(
    'forbidden_field',
    `Your field scope does not cover ${paths.join(', ')}: nobody may write what they may not read.`,
    paths.map((field) => ({ field: `body.${field}`, message: 'is outside your field scope' })),
  );
}

/** The fields of each kind a declared scope shows (`api.*`'s roles file, validated at start-up). */
export interface ScopeFields {
  individuals: readonly string[];
  groups: readonly string[];
  memberships: readonly string[];
}

const KIND_KEYS: Record<Resource, keyof ScopeFields> = { individual: 'individuals', group: 'groups', membership: 'memberships' };

/**
 * The declared scopes as selections, and the view of each set of scopes a caller holds (the
 * union of them), built once per set: callers holding the same scopes share one view object,
 * so the specifications made from it are memoised too.
 */
export class FieldViews {
  private readonly scopes: ReadonlyMap<string, Record<Resource, Selection>>;
  private readonly views = new Map<string, FieldView>();

  constructor(
    readonly catalog: Readonly<Record<Resource, FieldCatalog>>,
    declared: Readonly<Record<string, ScopeFields>>,
  ) {
    this.scopes = new Map(
      Object.entries(declared).map(([name, fields]) => {
        const selections = Object.fromEntries(
          RESOURCES.map((resource) => {
            const { selection, problems } = parseFieldPaths(catalog[resource], fields[KIND_KEYS[resource]]);
            if (problems.length > 0) throw new Error(`field scope "${name}": ${problems.map((p) => `"${p.path}" ${p.message}`).join('; ')}`);
            return [resource, selection];
          }),
        ) as Record<Resource, Selection>;
        return [name, selections];
      }),
    );
  }

  /** Whether any scope is declared at all. */
  get declared(): boolean {
    return this.scopes.size > 0;
  }

  /** The view of a caller holding these scopes; undefined (every field) when it holds none. */
  of(names: readonly string[] | undefined): FieldView | undefined {
    const held = [...new Set(names ?? [])].filter((name) => this.scopes.has(name)).sort();
    if (held.length === 0) return undefined;
    const key = held.join('\u0000');
    let view = this.views.get(key);
    if (!view) {
      const selections = Object.fromEntries(RESOURCES.map((r) => [r, held.map((name) => this.scopes.get(name)![r]).reduce(union, {})]));
      view = makeView(held, selections);
      this.views.set(key, view);
    }
    return view;
  }

  /**
   * `?fields=` on a read of `resource`: the caller's view narrowed to the fields asked for.
   * A field that does not exist, or that the caller's scopes do not show, is a 400 naming it.
   */
  narrowed(view: FieldView | undefined, resource: Resource, fields: readonly string[], parameter = 'query.fields'): FieldView {
    const { selection: wanted, problems } = parseFieldPaths(this.catalog[resource], fields);
    const errors: FieldError[] = problems.map((p) => ({ field: parameter, message: `"${p.path}" ${p.message}` }));
    const allowed = view?.[resource] ?? everything(this.catalog[resource]);
    const { selection, outside } = narrow(allowed, wanted);
    errors.push(...outside.map((path) => ({ field: parameter, message: `"${path}" is outside your field scope` })));
    if (errors.length > 0) throw unseenFields(errors);
    return { ...makeView(view?.scopes ?? ['fields'], { ...pick(view), [resource]: selection }), scope: scopeOf(view) ?? null };
  }

  /** 400 unless every field a filter, sort or look-up uses is visible (nobody may search by what they may not read). */
  requireVisible(actorView: FieldView | undefined, uses: ReadonlyArray<{ parameter: string; resource: Resource; path: string }>): void {
    const view = scopeOf(actorView);
    if (!view) return;
    const errors = uses
      .filter((use) => view[use.resource] !== undefined && !shows(view[use.resource]!, use.path))
      .map((use) => ({
        field: use.parameter,
        message: `uses ${use.resource} field "${use.path}" (to filter, sort, look up or expand), which is outside your field scope`,
      }));
    if (errors.length > 0) throw unseenFields(errors);
  }

  /** 403 unless every field a write sets (`reg_ids[0].value` as `reg_ids.value`) is visible. */
  requireWritable(view: FieldView | undefined, resource: Resource, body: unknown): void {
    const selection = scopeOf(view)?.[resource];
    if (!selection || !body || typeof body !== 'object') return;
    const outside = new Set<string>();
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (!shows(selection, name)) {
        outside.add(name);
        continue;
      }
      const items: unknown[] = Array.isArray(value) ? (value as unknown[]) : [];
      for (const item of items) {
        if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
        for (const key of Object.keys(item)) if (!shows(selection, `${name}.${key}`)) outside.add(`${name}.${key}`);
      }
    }
    if (outside.size > 0) throw unwritableFields([...outside]);
  }
}

const pick = (view: FieldView | undefined): Partial<Record<Resource, Selection>> =>
  view ? Object.fromEntries(RESOURCES.filter((r) => view[r] !== undefined).map((r) => [r, view[r]!])) : {};

/** Which fields each list filter and sort of the built-in routes reads (by query parameter). */
export const INDIVIDUAL_FILTER_FIELDS: Readonly<Record<string, ReadonlyArray<readonly [Resource, string]>>> = {
  name: [['individual', 'name']],
  given_name: [['individual', 'given_name']],
  family_name: [['individual', 'family_name']],
  gender: [['individual', 'gender']],
  birthdate_from: [['individual', 'birthdate']],
  birthdate_to: [['individual', 'birthdate']],
  registered_from: [['individual', 'registration_date']],
  registered_to: [['individual', 'registration_date']],
  id_type: [['individual', 'reg_ids.id_type']],
  id_value: [['individual', 'reg_ids.value']],
  phone: [
    ['individual', 'phone_numbers.phone_no'],
    ['individual', 'phone_numbers.phone_sanitized'],
  ],
  group_kind: [
    ['membership', 'group'],
    ['group', 'kind'],
  ],
  updated_since: [['individual', 'updated_at']],
  include_archived: [['individual', 'active']],
};

export const GROUP_FILTER_FIELDS: Readonly<Record<string, ReadonlyArray<readonly [Resource, string]>>> = {
  name: [['group', 'name']],
  kind: [['group', 'kind']],
  member: [['group', 'members.individual']],
  updated_since: [['group', 'updated_at']],
  include_archived: [['group', 'active']],
};

/** The fields a list query uses: its filters, and `updated_at` when it sorts by it. */
export function fieldsUsedBy(
  resource: Resource,
  filters: Readonly<Record<string, ReadonlyArray<readonly [Resource, string]>>>,
  query: Readonly<Record<string, unknown>>,
): Array<{ parameter: string; resource: Resource; path: string }> {
  const uses: Array<{ parameter: string; resource: Resource; path: string }> = [];
  for (const [parameter, fields] of Object.entries(filters)) {
    const value = query[parameter];
    if (value === undefined || value === false || value === '') continue;
    for (const [kind, path] of fields) uses.push({ parameter: `query.${parameter}`, resource: kind, path });
  }
  if (query.sort === 'updated_at') uses.push({ parameter: 'query.sort', resource, path: 'updated_at' });
  return uses;
}

const withActiveViews = new WeakMap<FieldView, FieldView>();

/**
 * The view plus registrants' `active` flag: the compatibility routes answer an archived
 * registrant as absent, so they must know the flag whatever the scope; their own answer shapes
 * never carry it.
 */
export function withActiveFlag(view: FieldView): FieldView {
  let out = withActiveViews.get(view);
  if (!out) {
    const add = (selection: Selection | undefined) => (selection ? union(selection, { active: true }) : undefined);
    const selections = { ...pick(view), individual: add(view.individual), group: add(view.group) };
    out = {
      ...makeView(view.scopes, Object.fromEntries(Object.entries(selections).filter(([, s]) => s !== undefined))),
      scope: view.scope === undefined ? view : view.scope,
    };
    withActiveViews.set(view, out);
  }
  return out;
}
