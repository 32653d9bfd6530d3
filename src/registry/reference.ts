import type { OdooClient } from '../odoo/types.js';
import { RegistryError } from './errors.js';
import type { FieldError } from './field-error.js';
import { stringOrNull } from './values.js';

/** One reference record as the API shows it. `name` is what callers send to refer to it. */
export interface ReferenceItem {
  id: number;
  name: string;
  /** Other names accepted on input (a gender's label). */
  aliases?: string[];
  extra: Record<string, unknown>;
}

interface ReferenceModel {
  model: string;
  fields: string[];
  toItem(record: Record<string, unknown> & { id: number }): ReferenceItem;
  /** API name of the collection, for error messages ("accepted values: ..."). */
  label: string;
}

export const REFERENCE_MODELS = {
  idTypes: {
    model: 'g2p.id.type',
    label: 'ID type',
    fields: ['name', 'id_validation'],
    toItem: (r) => ({ id: r.id, name: stringOrNull(r.name) ?? '', extra: { id_validation: stringOrNull(r.id_validation) } }),
  },
  groupKinds: {
    model: 'g2p.group.kind',
    label: 'group kind',
    fields: ['name'],
    toItem: (r) => ({ id: r.id, name: stringOrNull(r.name) ?? '', extra: {} }),
  },
  membershipKinds: {
    model: 'g2p.group.membership.kind',
    label: 'membership kind',
    fields: ['name', 'is_unique'],
    toItem: (r) => ({ id: r.id, name: stringOrNull(r.name) ?? '', extra: { is_unique: r.is_unique === true } }),
  },
  // gender.type: `value` is what res.partner.gender stores, `code` the label shown to people.
  genders: {
    model: 'gender.type',
    label: 'gender',
    fields: ['value', 'code'],
    toItem: (r) => {
      const value = stringOrNull(r.value) ?? stringOrNull(r.code) ?? '';
      const code = stringOrNull(r.code);
      return { id: r.id, name: value, aliases: code && code !== value ? [code] : [], extra: { label: code ?? value } };
    },
  },
  banks: {
    model: 'res.bank',
    label: 'bank',
    fields: ['name', 'bic'],
    toItem: (r) => ({ id: r.id, name: stringOrNull(r.name) ?? '', aliases: stringOrNull(r.bic) ? [r.bic as string] : [], extra: { bic: stringOrNull(r.bic) } }),
  },
} satisfies Record<string, ReferenceModel>;

export type ReferenceKind = keyof typeof REFERENCE_MODELS;

interface Entry {
  items: ReferenceItem[];
  loadedAt: number;
}

/**
 * Reference data (ID types, kinds, genders, banks) by name, cached per Odoo account for a short
 * time so that resolving `"id_type": "National ID"` does not cost an Odoo call per request.
 * Cached per account because Odoo's access rules may show accounts different records.
 * A name that is not in the cache triggers one reload (at most every `missReloadMs`), so
 * reference data created a moment ago is found without waiting for the TTL.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly ttlMs: number,
    private readonly missReloadMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async list(client: OdooClient, kind: ReferenceKind): Promise<ReferenceItem[]> {
    return (await this.entry(client, kind, false)).items;
  }

  /**
   * Resolves a reference given by id or name (case-insensitive) to its record, or throws a 422
   * RegistryError naming `field` and the accepted values.
   */
  async resolve(client: OdooClient, kind: ReferenceKind, value: string | number, field: string): Promise<ReferenceItem> {
    const errors: FieldError[] = [];
    const found = await this.resolveInto(client, kind, value, field, errors);
    if (!found) throw new RegistryError('invalid', errors[0]!.message, errors);
    return found;
  }

  /** Like `resolve`, but records a failure in `errors` (to report every bad field at once) and returns undefined. */
  async resolveInto(client: OdooClient, kind: ReferenceKind, value: string | number, field: string, errors: FieldError[]): Promise<ReferenceItem | undefined> {
    let entry = await this.entry(client, kind, false);
    let item = find(entry.items, value);
    if (!item && this.now() - entry.loadedAt >= this.missReloadMs) {
      entry = await this.entry(client, kind, true);
      item = find(entry.items, value);
    }
    if (item) return item;
    const accepted = entry.items.map((i) => i.name);
    const { label } = REFERENCE_MODELS[kind];
    errors.push({
      field,
      message: `unknown ${label} ${JSON.stringify(value)}; accepted values: ${accepted.length ? accepted.map((a) => JSON.stringify(a)).join(', ') : '(none defined in the registry)'}`,
    });
    return undefined;
  }

  /** Drops everything cached (tests, or after the gateway itself created reference data). */
  clear(): void {
    this.entries.clear();
  }

  private async entry(client: OdooClient, kind: ReferenceKind, forceReload: boolean): Promise<Entry> {
    const key = `${client.login}\u0000${kind}`;
    const cached = this.entries.get(key);
    if (cached && !forceReload && this.now() - cached.loadedAt < this.ttlMs) return cached;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const spec = REFERENCE_MODELS[kind] as ReferenceModel;
    const load = client
      .searchRead(spec.model, [], spec.fields, { order: 'id asc' })
      .then((records) => {
        const entry = { items: records.map((r) => spec.toItem(r)), loadedAt: this.now() };
        this.entries.set(key, entry);
        return entry;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, load);
    return load;
  }
}

function find(items: ReferenceItem[], value: string | number): ReferenceItem | undefined {
  if (typeof value === 'number') return items.find((i) => i.id === value);
  const wanted = value.trim().toLowerCase();
  return items.find((i) => i.name.toLowerCase() === wanted) ?? items.find((i) => (i.aliases ?? []).some((alias) => alias.toLowerCase() === wanted));
}
