import { OdooSimError, valueError } from '../exceptions.js';
import { PyFloat } from '../pyvalues.js';
import { bindArguments, type Param } from './binding.js';
import { modelDefaults } from './defaults.js';
import { isX2many } from './field-types.js';
import { MODELS, tableName } from './models.js';
import type { CallEnv } from './env.js';
import type { Orm } from './orm.js';
import { pyRepr } from './pyrepr.js';
import type { Row } from './store.js';
import { isAllowed, type Operation } from './access.js';
import { dateBucket, GRANULARITIES, type Granularity } from './date-groups.js';

type Kwargs = Record<string, unknown>;
interface MethodSpec {
  /** record methods take the ids as first positional argument */
  onRecords: boolean;
  params: Param[];
  varKeywords?: boolean;
  run(orm: Orm, env: CallEnv, model: string, bound: Kwargs, ids: number[]): unknown;
}

const INT4_MAX = 2 ** 31 - 1;

const asInt = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
const asLimit = (value: unknown): number | null => (typeof value === 'number' && value > 0 ? value : null);

export const METHODS: Record<string, MethodSpec> = {
  create: {
    onRecords: false,
    params: [{ name: 'vals_list' }],
    run: (orm, env, model, { vals_list }) => {
      const single = !Array.isArray(vals_list);
      const ids = orm.create(env, model, (single ? [vals_list] : vals_list) as Record<string, unknown>[]);
      return single ? ids[0] : ids;
    },
  },
  read: {
    onRecords: true,
    params: [
      { name: 'fields', default: null },
      { name: 'load', default: '_classic_read' },
    ],
    run: (orm, env, model, { fields, load }, ids) => readRecords(orm, env, model, ids, fields, load),
  },
  search: {
    onRecords: false,
    params: [{ name: 'domain' }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }],
    run: (orm, env, model, b) => orm.search(env, model, b.domain, asInt(b.offset, 0), asLimit(b.limit), b.order),
  },
  search_count: {
    onRecords: false,
    params: [{ name: 'domain' }, { name: 'limit', default: null }],
    run: (orm, env, model, b) => {
      orm.checkAccess(env, model, 'read');
      const count = orm.searchRows(model, b.domain, orm.activeTest(env.context)).length;
      const limit = asLimit(b.limit);
      return limit === null ? count : Math.min(count, limit);
    },
  },
  search_read: {
    onRecords: false,
    params: [
      { name: 'domain', default: null },
      { name: 'fields', default: null },
      { name: 'offset', default: 0 },
      { name: 'limit', default: null },
      { name: 'order', default: null },
    ],
    varKeywords: true,
    run: (orm, env, model, b) => {
      const ids = orm.search(env, model, b.domain ?? [], asInt(b.offset, 0), asLimit(b.limit), b.order);
      return ids.length ? readRecords(orm, env, model, ids, b.fields, b.load ?? '_classic_read') : [];
    },
  },
  write: {
    onRecords: true,
    params: [{ name: 'vals' }],
    run: (orm, env, model, { vals }, ids) => {
      orm.write(env, model, ids, vals as Record<string, unknown>);
      return true;
    },
  },
  unlink: {
    onRecords: true,
    params: [],
    run: (orm, env, model, _b, ids) => {
      orm.unlink(env, model, ids);
      return true;
    },
  },
  action_archive: {
    onRecords: true,
    params: [],
    run: (orm, env, model, _b, ids) => setActive(orm, env, model, ids, false),
  },
  action_unarchive: {
    onRecords: true,
    params: [],
    run: (orm, env, model, _b, ids) => setActive(orm, env, model, ids, true),
  },
  toggle_active: {
    onRecords: true,
    params: [],
    run: (orm, env, model, _b, ids) => {
      orm.ensureExist(env, model, ids);
      const active = ids.filter((id) => orm.row(model, id)!.active !== false);
      const archived = ids.filter((id) => orm.row(model, id)!.active === false);
      if (active.length) orm.write(env, model, active, { active: false });
      if (archived.length) orm.write(env, model, archived, { active: true });
      return null;
    },
  },
  exists: {
    onRecords: true,
    params: [],
    run: (orm, _env, model, _b, ids) => ids.filter((id) => orm.exists(model, id)),
  },
  name_search: {
    onRecords: false,
    params: [
      { name: 'name', default: '' },
      { name: 'args', default: null },
      { name: 'operator', default: 'ilike' },
      { name: 'limit', default: 100 },
    ],
    run: (orm, env, model, b) => {
      const info = orm.model(model);
      let domain = Array.isArray(b.args) ? (b.args as unknown[]) : [];
      if (b.name) domain = andDomains(domain, [[info.recName, b.operator ?? 'ilike', b.name]]);
      const ids = orm.search(env, model, domain, 0, asLimit(b.limit), null);
      return ids.map((id) => [id, orm.displayName(model, id)]);
    },
  },
  fields_get: {
    onRecords: false,
    params: [
      { name: 'allfields', default: null },
      { name: 'attributes', default: null },
    ],
    run: (orm, _env, model, b) => fieldsGet(orm, model, b.allfields, b.attributes),
  },
  default_get: {
    onRecords: false,
    params: [{ name: 'fields_list' }],
    run: (orm, env, model, b) => defaultGet(orm, env, model, b.fields_list),
  },
  read_group: {
    onRecords: false,
    params: [
      { name: 'domain' },
      { name: 'fields' },
      { name: 'groupby' },
      { name: 'offset', default: 0 },
      { name: 'limit', default: null },
      { name: 'orderby', default: false },
      { name: 'lazy', default: true },
    ],
    run: (orm, env, model, b) => readGroup(orm, env, model, b),
  },
  web_read: {
    onRecords: true,
    params: [{ name: 'specification' }],
    run: (orm, env, model, b, ids) => webRead(orm, env, model, ids, b.specification as Spec),
  },
  web_search_read: {
    onRecords: false,
    params: [
      { name: 'domain' },
      { name: 'specification' },
      { name: 'offset', default: 0 },
      { name: 'limit', default: null },
      { name: 'order', default: null },
      { name: 'count_limit', default: null },
    ],
    run: (orm, env, model, b) => webSearchRead(orm, env, model, b),
  },
  check_access_rights: {
    onRecords: false,
    params: [{ name: 'operation' }, { name: 'raise_exception', default: true }],
    run: (orm, env, model, b) => {
      const operation = b.operation as Operation;
      if (!['read', 'write', 'create', 'unlink'].includes(operation)) throw valueError(`Invalid access mode: ${String(operation)}`);
      if (b.raise_exception !== false) {
        orm.checkAccess(env, model, operation);
        return true;
      }
      return !env.groups || isAllowed(env.groups, model, operation);
    },
  },
};

/** Runs one method: splits the record ids off, binds the arguments, calls it. */
export function callMethod(orm: Orm, env: CallEnv, model: string, method: string, args: unknown[], kwargs: Kwargs): unknown {
  const spec = METHODS[method];
  if (!spec) throw new OdooSimError('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`);
  let ids: number[] = [];
  let rest = args;
  if (spec.onRecords) {
    if (args.length === 0) throw new OdooSimError('builtins.IndexError', 'list index out of range');
    ids = browseIds(model, args[0]);
    rest = args.slice(1);
  }
  const bound = bindArguments(`BaseModel.${method}`, spec.params, rest, kwargs, spec.varKeywords);
  return spec.run(orm, env, model, bound, ids);
}

/** model.browse(ids) as the RPC layer does it, including the SQL error of a string. */
function browseIds(model: string, value: unknown): number[] {
  if (value === false || value === null || value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : typeof value === 'string' ? [...value] : [value];
  const bad = list.find((v) => typeof v !== 'number' || !Number.isInteger(v));
  if (bad !== undefined) {
    const table = tableName(model);
    const shown = list
      .slice(0, 2)
      .map((v) => `'${String(v)}'`)
      .join(', ');
    const prefix = `LINE 1: ... FROM "${table}" WHERE ("${table}"."id" IN (`;
    throw new OdooSimError(
      'psycopg2.errors.InvalidTextRepresentation',
      `invalid input syntax for type integer: "${String(bad)}"\n${prefix}${shown}, ...\n${' '.repeat(prefix.length)}^\n`,
    );
  }
  return list as number[];
}

function setActive(orm: Orm, env: CallEnv, model: string, ids: number[], active: boolean): null {
  const info = orm.model(model);
  if (!info.hasActive) throw new OdooSimError('builtins.AttributeError', `'${model}' object has no attribute 'active'`);
  orm.ensureExist(env, model, ids);
  const toChange = ids.filter((id) => (orm.row(model, id)!.active !== false) !== active);
  if (toChange.length) orm.write(env, model, toChange, { active });
  return null;
}

export function andDomains(a: unknown[], b: unknown[]): unknown[] {
  const parts = [a, b].filter((d) => d.length > 0);
  if (parts.length === 0) return [];
  const result: unknown[] = [];
  for (const part of parts) result.push(...normalizeForCombine(part));
  return [...Array<string>(parts.length - 1).fill('&'), ...result];
}

/** expression.normalize_domain for combining (implicit '&' made explicit). */
function normalizeForCombine(domain: unknown[]): unknown[] {
  const result: unknown[] = [];
  let expected = 1;
  for (const token of domain) {
    if (expected === 0) {
      result.unshift('&');
      expected = 1;
    }
    if (token === '&' || token === '|') expected += 1;
    else if (token !== '!') expected -= 1;
    result.push(token);
  }
  return result;
}

// ---- read ----------------------------------------------------------------------------------

function fieldList(orm: Orm, model: string, fields: unknown): string[] {
  const info = orm.model(model);
  if (fields === null || fields === undefined || fields === false || (Array.isArray(fields) && fields.length === 0)) {
    return info.fieldNames.filter((name) => name !== 'id');
  }
  const list = Array.isArray(fields) ? fields : [fields];
  for (const name of list) {
    if (typeof name !== 'string' || !info.fields[name]) throw valueError(`Invalid field ${pyRepr(name)} on model ${pyRepr(model)}`);
  }
  return (list as string[]).filter((name) => name !== 'id');
}

export function readRecords(orm: Orm, env: CallEnv, model: string, ids: number[], fields: unknown, load: unknown = '_classic_read'): Record<string, unknown>[] {
  orm.checkAccess(env, model, 'read');
  const names = fieldList(orm, model, fields);
  const info = orm.model(model);
  const activeTest = orm.activeTest(env.context);
  const result: Record<string, unknown>[] = [];
  for (const id of ids) {
    const row = orm.row(model, id);
    if (!row) continue;
    const values: Record<string, unknown> = { id };
    for (const name of names) {
      const attrs = info.fields[name]!;
      let value = orm.readValue(model, row, name, attrs, activeTest);
      if (attrs.type === 'many2one' && load !== '_classic_read' && Array.isArray(value)) value = value[0];
      values[name] = value;
    }
    result.push(values);
  }
  return result;
}

// ---- web_read / web_search_read ------------------------------------------------------------

type Spec = Record<string, { fields?: Spec; limit?: number; order?: string; context?: Record<string, unknown> }>;

function webRead(orm: Orm, env: CallEnv, model: string, ids: number[], specification: Spec): Record<string, unknown>[] {
  if (specification === null || typeof specification !== 'object' || Array.isArray(specification)) {
    throw new OdooSimError('builtins.AttributeError', `'${Array.isArray(specification) ? 'list' : 'NoneType'}' object has no attribute 'items'`);
  }
  const names = Object.keys(specification);
  const values =
    names.length === 0 || (names.length === 1 && names[0] === 'id')
      ? ids.map((id) => ({ id }) as Record<string, unknown>)
      : readRecords(orm, env, model, ids, names, null);
  const info = orm.model(model);
  for (const name of names) {
    const attrs = info.fields[name];
    const sub = specification[name] ?? {};
    if (!attrs || !attrs.relation || !MODELS.has(attrs.relation)) continue;
    const comodel = attrs.relation;
    if (attrs.type === 'many2one') {
      if (!sub.fields) continue;
      const extra = { ...sub.fields };
      const wantsName = 'display_name' in extra;
      delete extra.display_name;
      const targetIds = [...new Set(values.map((v) => v[name]).filter((v): v is number => typeof v === 'number'))];
      const byId = new Map(webRead(orm, env, comodel, targetIds, extra).map((v) => [v.id as number, v]));
      for (const record of values) {
        const id = record[name];
        if (typeof id !== 'number') continue;
        const data = byId.get(id) ?? { id };
        if (wantsName) data.display_name = orm.displayName(comodel, id);
        record[name] = data;
      }
    } else if (isX2many(attrs.type)) {
      if (Object.keys(sub).length === 0) continue;
      if (sub.order) {
        const all = [...new Set(values.flatMap((v) => v[name] as number[]))];
        const ordered = orm.search(env, comodel, [['id', 'in', all]], 0, null, sub.order);
        const rank = new Map(ordered.map((id, index) => [id, index]));
        for (const record of values) {
          record[name] = (record[name] as number[]).filter((id) => rank.has(id)).sort((a, b) => rank.get(a)! - rank.get(b)!);
        }
      }
      if (!sub.fields) continue;
      const limit = typeof sub.limit === 'number' ? sub.limit : undefined;
      const toRead = [...new Set(values.flatMap((v) => (v[name] as number[]).slice(0, limit)))];
      const byId = new Map(webRead(orm, env, comodel, toRead, sub.fields).map((v) => [v.id as number, v]));
      for (const record of values) record[name] = (record[name] as number[]).map((id) => byId.get(id) ?? { id });
    }
  }
  return values;
}

function webSearchRead(orm: Orm, env: CallEnv, model: string, b: Kwargs): { length: number; records: unknown[] } {
  const offset = asInt(b.offset, 0);
  const limit = asLimit(b.limit);
  const { ids, total } = orm.searchPage(env, model, b.domain, offset, limit, b.order);
  const records = webRead(orm, env, model, ids, b.specification as Spec);
  if (records.length === 0) return { length: 0, records: [] };
  const currentLength = records.length + offset;
  const countLimit = asLimit(b.count_limit);
  const limitReached = records.length === limit;
  const countLimitReached = countLimit !== null && countLimit <= currentLength;
  let length = currentLength;
  if (limit !== null && ((limitReached && !countLimitReached) || env.context.force_search_count)) {
    length = countLimit === null ? total : Math.min(total, countLimit);
  }
  return { length, records };
}

// ---- fields_get / default_get --------------------------------------------------------------

function fieldsGet(orm: Orm, model: string, allfields: unknown, attributes: unknown): Record<string, unknown> {
  const info = orm.model(model);
  const wanted = Array.isArray(allfields) && allfields.length ? new Set(allfields as string[]) : undefined;
  const attrs = Array.isArray(attributes) && attributes.length ? new Set(attributes as string[]) : undefined;
  const result: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(info.fields)) {
    if (wanted && !wanted.has(name)) continue;
    const description: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(field)) {
      if (attrs && !attrs.has(key)) continue;
      description[key] = key === 'selection' && model === 'res.partner' && name === 'gender' ? orm.genderOptions() : value;
    }
    if (name === 'gender' && model === 'res.partner' && (!attrs || attrs.has('selection'))) description.selection = orm.genderOptions();
    result[name] = sortKeys(description);
  }
  return result;
}

function sortKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function defaultGet(orm: Orm, env: CallEnv, model: string, fieldsList: unknown): Record<string, unknown> {
  const info = orm.model(model);
  const names = Array.isArray(fieldsList) ? (fieldsList as string[]) : [];
  const defaults = modelDefaults(orm, env, model);
  const result: Record<string, unknown> = {};
  for (const name of names) {
    const attrs = info.fields[name];
    if (!attrs) continue;
    let value: unknown;
    if (`default_${name}` in env.context) value = env.context[`default_${name}`];
    else if (name in defaults) value = defaults[name];
    else continue;
    // The ORM hands integers above PostgreSQL int4 over as floats (recorded default_get_big_int).
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > INT4_MAX) value = new PyFloat(value);
    else if ((attrs.type === 'float' || attrs.type === 'monetary') && typeof value === 'number') value = new PyFloat(value);
    result[name] = value;
  }
  return result;
}

// ---- read_group ----------------------------------------------------------------------------

interface Aggregate {
  name: string;
  field: string;
  func: string;
}

function readGroup(orm: Orm, env: CallEnv, model: string, b: Kwargs): Record<string, unknown>[] {
  orm.checkAccess(env, model, 'read');
  const info = orm.model(model);
  const domain = Array.isArray(b.domain) ? (b.domain as unknown[]) : [];
  const allGroupby = (Array.isArray(b.groupby) ? b.groupby : b.groupby ? [b.groupby] : []) as string[];
  const lazy = b.lazy !== false;
  const groupby = lazy ? allGroupby.slice(0, 1) : allGroupby;
  const specs = groupby.map((g) => parseGroupby(orm, model, g));
  const aggregates: Aggregate[] = [];
  for (const spec of (Array.isArray(b.fields) ? b.fields : []) as string[]) {
    const match = /^(\w+)(?::(\w+))?$/.exec(spec);
    if (!match) throw valueError(`Invalid field specification ${pyRepr(spec)}.`);
    const [, field, func] = match as unknown as [string, string, string | undefined];
    if (field === '__count' || specs.some((g) => g.field === field)) continue;
    const attrs = info.fields[field];
    if (!attrs) throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(model)}`);
    const numeric = ['integer', 'float', 'monetary'].includes(attrs.type);
    if (!func && !numeric) continue;
    aggregates.push({ name: field, field, func: func ?? 'sum' });
  }
  const rows = orm.searchRows(model, domain, orm.activeTest(env.context));
  const groups = new Map<string, { key: unknown[]; rows: Row[] }>();
  for (const row of rows) {
    const key = specs.map((g) => groupValue(orm, model, row, g));
    const text = JSON.stringify(key);
    let group = groups.get(text);
    if (!group) groups.set(text, (group = { key, rows: [] }));
    group.rows.push(row);
  }
  // Odoo answers a read_group without groupby with one row (its aggregates), also when nothing matches.
  if (specs.length === 0 && groups.size === 0) groups.set('[]', { key: [], rows: [] });
  const ordered = [...groups.values()].sort((a, b) => {
    for (let i = 0; i < groupby.length; i++) {
      const x = sortable(orm, model, specs[i]!.field, a.key[i]);
      const y = sortable(orm, model, specs[i]!.field, b.key[i]);
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    }
    return 0;
  });
  if (typeof b.orderby === 'string' && /\bdesc\b/i.test(b.orderby)) ordered.reverse();
  const offset = asInt(b.offset, 0);
  const limit = asLimit(b.limit);
  const page = ordered.slice(offset, limit === null ? undefined : offset + limit);
  return page.map((group) => {
    const result: Record<string, unknown> = {};
    const ranges: Record<string, unknown> = {};
    const leaves: unknown[][] = [];
    specs.forEach((g, i) => {
      const value = group.key[i];
      if (g.granularity) {
        const bucket = typeof value === 'string' ? dateBucket(value, g.granularity) : undefined;
        result[g.spec] = bucket ? bucket.label : false;
        ranges[g.spec] = bucket ? { from: bucket.from, to: bucket.to } : false;
        if (bucket) leaves.push(['&', [g.field, '>=', bucket.from], [g.field, '<', bucket.to]]);
        else leaves.push([[g.field, '=', false]]);
      } else {
        result[g.spec] = readGroupValue(orm, model, g.field, value);
        leaves.push([[g.field, '=', domainValue(value)]]);
      }
    });
    if (lazy) result[`${specs[0]?.field ?? '_'}_count`] = group.rows.length;
    else result.__count = group.rows.length;
    for (const aggregate of aggregates) result[aggregate.name] = aggregateValue(orm, model, aggregate, group.rows);
    if (specs.some((g) => g.granularity)) result.__range = ranges;
    result.__domain = leaves.reduce((acc, leaf) => andDomains(acc, leaf), domain);
    if (lazy && allGroupby.length > 1) result.__context = { group_by: allGroupby.slice(1) };
    return result;
  });
}

interface GroupbySpec {
  spec: string;
  field: string;
  granularity?: Granularity;
}

function parseGroupby(orm: Orm, model: string, spec: string): GroupbySpec {
  const [field = '', granularity] = spec.split(':');
  const attrs = orm.model(model).fields[field];
  if (!attrs) throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(model)}`);
  if (attrs.type !== 'date' && attrs.type !== 'datetime') return { spec, field };
  const chosen = (granularity ?? 'month') as Granularity;
  if (!GRANULARITIES.includes(chosen)) throw valueError(`Invalid granularity ${pyRepr(granularity)} for ${pyRepr(spec)}`);
  return { spec, field, granularity: chosen };
}

function groupValue(orm: Orm, model: string, row: Row, spec: GroupbySpec): unknown {
  const value = orm.rawValue(model, row, spec.field, false);
  if (Array.isArray(value)) return value.length ? value[0] : null;
  if (spec.granularity && typeof value === 'string') return dateBucket(value, spec.granularity).from;
  return value === undefined ? null : value;
}

function sortable(orm: Orm, model: string, groupby: string, value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  const attrs = orm.model(model).fields[groupby.split(':')[0]!]!;
  if (attrs.type === 'many2one' && typeof value === 'number') return orm.displayName(attrs.relation!, value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as string | number;
}

function readGroupValue(orm: Orm, model: string, field: string, value: unknown): unknown {
  const attrs = orm.model(model).fields[field]!;
  if (value === null || value === undefined) return attrs.type === 'boolean' ? false : false;
  if ((attrs.type === 'many2one' || isX2many(attrs.type)) && typeof value === 'number' && attrs.relation && MODELS.has(attrs.relation)) {
    return [value, orm.displayName(attrs.relation, value)];
  }
  if (attrs.type === 'datetime' && typeof value === 'string') return value.slice(0, 19);
  if ((attrs.type === 'float' || attrs.type === 'monetary') && typeof value === 'number') return new PyFloat(value);
  return value;
}

function domainValue(value: unknown): unknown {
  return value === null || value === undefined ? false : value;
}

function aggregateValue(orm: Orm, model: string, aggregate: Aggregate, rows: Row[]): unknown {
  const attrs = orm.model(model).fields[aggregate.field]!;
  const values = rows.map((row) => orm.rawValue(model, row, aggregate.field, false)).filter((v) => v !== null && v !== undefined);
  const isFloat = attrs.type === 'float' || attrs.type === 'monetary';
  const wrap = (n: number) => (isFloat ? new PyFloat(n) : n);
  const numbers = values.map(Number);
  switch (aggregate.func) {
    case 'count':
      return values.length;
    case 'count_distinct':
      return new Set(values.map((v) => JSON.stringify(v))).size;
    case 'sum':
      return numbers.length ? wrap(numbers.reduce((a, c) => a + c, 0)) : false;
    case 'avg':
      return numbers.length ? new PyFloat(numbers.reduce((a, c) => a + c, 0) / numbers.length) : false;
    case 'min':
    case 'max': {
      if (!values.length) return false;
      const sorted = [...values].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0));
      const picked = aggregate.func === 'min' ? sorted[0] : sorted.at(-1);
      return typeof picked === 'number' ? wrap(picked) : picked;
    }
    case 'bool_and':
      return values.every(Boolean);
    case 'bool_or':
      return values.some(Boolean);
    default:
      throw valueError(`Invalid aggregation function ${pyRepr(aggregate.func)}.`);
  }
}
