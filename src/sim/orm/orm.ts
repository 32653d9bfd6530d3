import { missingError, OdooSimError, validationError, valueError } from '../exceptions.js';
import { PyFloat } from '../pyvalues.js';
import { checkAccess, type Operation } from './access.js';
import { COMPUTED, displayNameOf, type ComputeHost } from './computed.js';
import { compare, DomainCompiler, type DomainHost } from './domain.js';
import type { FieldAttributes } from './field-types.js';
import { isX2many } from './field-types.js';
import { MODELS, tableName, type ModelInfo } from './models.js';
import { pyRepr } from './pyrepr.js';
import { Journal, Table, type Row } from './store.js';
import { datetimeOut, parseDate, parseDatetime, SimClock } from './values.js';
import { validateRecords, type ConstraintHost } from './constraints.js';
import { modelDefaults, type DefaultsHost } from './defaults.js';
import type { CallEnv } from './env.js';

const INT4_MAX = 2 ** 31 - 1;
const MAGIC_FIELDS = new Set(['id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name']);

export interface OrderKey {
  field: string;
  desc: boolean;
}

/**
 * The ORM core: tables, values in and out, search, create/write/unlink with x2many commands,
 * foreign keys and NOT NULL checks. Method argument handling lives in methods.ts.
 */
export class Orm implements DomainHost, ComputeHost, ConstraintHost, DefaultsHost {
  readonly journal = new Journal();
  readonly clock = new SimClock();
  private readonly tables = new Map<string, Table>();
  /** many2one fields pointing at each model: for one2many reads and ON DELETE handling. */
  private readonly referencing = new Map<string, { model: string; field: string }[]>();
  /** This database's models: the shared definitions, plus the manual (`x_`) fields added to it. */
  private readonly models = new Map<string, ModelInfo>(MODELS);

  constructor() {
    for (const model of MODELS.values()) {
      const indexed = Object.keys(model.onDelete);
      this.tables.set(model.name, new Table(model.name, indexed, this.journal));
      for (const field of indexed) {
        const target = model.fields[field]!.relation!;
        const list = this.referencing.get(target) ?? [];
        list.push({ model: model.name, field });
        this.referencing.set(target, list);
      }
    }
  }

  // ---- lookups -----------------------------------------------------------------------------

  hasModel(name: string): boolean {
    return this.models.has(name);
  }

  /**
   * Adds a manual field (what `ir.model.fields.create` does for an `x_` field): a stored
   * column, empty on existing rows. The model's definition is copied, so other databases in
   * the same process keep theirs.
   */
  addManualField(modelName: string, field: string, attrs: FieldAttributes): void {
    const model = this.model(modelName);
    const fields = { ...model.fields, [field]: attrs };
    this.models.set(modelName, { ...model, fields, fieldNames: Object.keys(fields) });
  }

  model(name: string): ModelInfo {
    const model = this.models.get(name);
    if (!model) throw new OdooSimError('odoo.exceptions.UserError', `Object ${name} doesn't exist`);
    return model;
  }

  table(name: string): Table {
    const table = this.tables.get(name);
    if (!table) throw new OdooSimError('odoo.exceptions.UserError', `Object ${name} doesn't exist`);
    return table;
  }

  row(model: string, id: number): Row | undefined {
    return this.tables.get(model)?.get(id);
  }

  exists(model: string, id: number): boolean {
    return this.tables.get(model)?.has(id) ?? false;
  }

  lookup(model: string, field: string, value: unknown): ReadonlySet<number> | undefined {
    return this.tables.get(model)?.lookup(field, value);
  }

  isComputed(model: string, field: string): boolean {
    return !!COMPUTED[model]?.[field];
  }

  today(): string {
    return this.clock.today();
  }

  nowSeconds(): string {
    return this.clock.nowSeconds();
  }

  displayName(model: string, id: number): string {
    const row = this.row(model, id);
    return row ? displayNameOf(this, model, row) : '';
  }

  /** Internal value of a field: scalars or null, many2one id or null, x2many sorted id arrays. */
  rawValue(modelName: string, row: Row, field: string, activeTest: boolean): unknown {
    const compute = COMPUTED[modelName]?.[field];
    if (compute) return compute(this, row);
    if (field === 'id') return row.id;
    if (field === 'display_name') return displayNameOf(this, modelName, row);
    const attrs = this.models.get(modelName)!.fields[field];
    if (!attrs) return null;
    if (isX2many(attrs.type)) return this.sortIds(attrs.relation!, this.linkedIds(modelName, row, field, activeTest));
    return row[field] ?? null;
  }

  linkedIds(modelName: string, row: Row, field: string, activeTest: boolean): number[] {
    const attrs = this.models.get(modelName)!.fields[field]!;
    const comodel = attrs.relation!;
    if (!this.models.has(comodel)) return [];
    if (attrs.type === 'one2many') {
      if (!attrs.relation_field) return [];
      const ids = this.lookup(comodel, attrs.relation_field, row.id);
      return ids ? this.filterActive(comodel, [...ids], activeTest) : [];
    }
    const ids = (row[field] as number[] | undefined) ?? [];
    return this.filterActive(
      comodel,
      ids.filter((id) => this.exists(comodel, id)),
      activeTest,
    );
  }

  inverseIds(comodel: string, inverseField: string, ids: ReadonlySet<number>): Set<number> {
    const table = this.table(comodel);
    const parents = new Set<number>();
    for (const id of ids) {
      const parent = table.get(id)?.[inverseField];
      if (typeof parent === 'number') parents.add(parent);
    }
    return parents;
  }

  private filterActive(model: string, ids: number[], activeTest: boolean): number[] {
    if (!activeTest || !this.models.get(model)!.hasActive) return ids;
    return ids.filter((id) => this.row(model, id)?.active !== false);
  }

  // ---- read conversion ---------------------------------------------------------------------

  /** Value as read() returns it: false for empty, [id, name] for many2one, PyFloat for floats. */
  readValue(modelName: string, row: Row, field: string, attrs: FieldAttributes, activeTest: boolean): unknown {
    const raw = this.rawValue(modelName, row, field, activeTest);
    switch (attrs.type) {
      case 'boolean':
        return raw === true;
      case 'integer':
        return typeof raw === 'number' ? raw : 0;
      case 'float':
      case 'monetary':
        return new PyFloat(typeof raw === 'number' ? raw : 0);
      case 'datetime':
        return typeof raw === 'string' ? datetimeOut(raw) : false;
      case 'many2one': {
        if (typeof raw !== 'number' || !this.models.has(attrs.relation!)) return false;
        return [raw, this.displayName(attrs.relation!, raw)];
      }
      case 'one2many':
      case 'many2many':
        return raw;
      default:
        return raw === null || raw === undefined || (raw === '' && field === 'display_name') ? false : raw;
    }
  }

  // ---- search ------------------------------------------------------------------------------

  activeTest(context: Record<string, unknown>): boolean {
    return context.active_test !== false;
  }

  searchIds(model: string, domain: unknown[], activeTest: boolean): Set<number> {
    return new Set(this.searchRows(model, domain, activeTest).map((row) => row.id));
  }

  /** Rows matching the domain (unordered), with the active filter Odoo adds. */
  searchRows(modelName: string, domain: unknown, activeTest: boolean): Row[] {
    const model = this.model(modelName);
    const table = this.table(modelName);
    const { predicate, candidates } = new DomainCompiler(this, activeTest).compile(modelName, domain);
    const filterActive = activeTest && model.hasActive && !mentionsActive(domain);
    const result: Row[] = [];
    const consider = (row: Row | undefined) => {
      if (!row) return;
      if (filterActive && row.active === false) return;
      if (predicate(row)) result.push(row);
    };
    if (candidates) {
      const seen = new Set<number>();
      for (const id of candidates) {
        if (seen.has(id)) continue;
        seen.add(id);
        consider(table.get(id));
      }
    } else {
      for (const row of table.allRows()) consider(row);
    }
    return result;
  }

  parseOrder(modelName: string, order: unknown): OrderKey[] {
    const model = this.model(modelName);
    const text = order === null || order === undefined || order === false || order === '' ? model.order : String(order);
    const keys: OrderKey[] = [];
    for (const part of text.split(',')) {
      const words = part.trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) continue;
      const [field, direction = 'asc', nulls] = words;
      const dir = direction.toLowerCase();
      if (words.length > 4 || (dir !== 'asc' && dir !== 'desc') || (nulls !== undefined && !/^nulls$/i.test(nulls))) {
        throw valueError(
          `Invalid "order" specified (${text}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
        );
      }
      const attrs = model.fields[field!];
      if (!attrs || (attrs.store === false && field !== 'complete_name' && !COMPUTED[modelName]?.[field!])) {
        throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(modelName)}`);
      }
      keys.push({ field: field!, desc: dir === 'desc' });
    }
    return keys;
  }

  /** Sort rows by an order spec: NULLs last ascending and first descending, as PostgreSQL. */
  sortRows(modelName: string, rows: Row[], keys: OrderKey[], take?: number): Row[] {
    const model = this.model(modelName);
    const extractors = keys.map(({ field }) => {
      const attrs = model.fields[field]!;
      if (field === 'id') return (row: Row) => row.id;
      if (attrs.type === 'many2one') {
        return (row: Row) => (typeof row[field] === 'number' ? this.displayName(attrs.relation!, row[field] as number) : null);
      }
      if (attrs.type === 'boolean') return (row: Row) => (row[field] === true ? 1 : row[field] === false ? 0 : null);
      if (attrs.store !== false && !COMPUTED[modelName]?.[field]) return (row: Row) => row[field] ?? null;
      return (row: Row) => this.rawValue(modelName, row, field, false) as unknown;
    });
    const tieOnId = !keys.some((k) => k.field === 'id');
    interface Item {
      row: Row;
      values: unknown[];
    }
    const compareKey = (x: unknown, y: unknown, desc: boolean): number => {
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      const c = xNull || yNull ? (xNull === yNull ? 0 : xNull ? 1 : -1) : compare(x, y);
      return desc ? -c : c;
    };
    const comparator = (a: Item, b: Item) => {
      for (let i = 0; i < keys.length; i++) {
        const c = compareKey(a.values[i], b.values[i], keys[i]!.desc);
        if (c !== 0) return c;
      }
      return tieOnId ? a.row.id - b.row.id : 0;
    };
    const decorate = (row: Row): Item => ({ row, values: extractors.map((extract) => extract(row)) });
    if (take !== undefined && take * 8 < rows.length) {
      // Bounded selection: a row whose first key is already worse than the current last
      // kept row is skipped without building its sort values.
      const best: Item[] = [];
      if (take <= 0) return [];
      for (const row of rows) {
        if (best.length === take && compareKey(extractors[0]!(row), best[take - 1]!.values[0], keys[0]!.desc) > 0) continue;
        const item = decorate(row);
        if (best.length === take && comparator(item, best[take - 1]!) >= 0) continue;
        let low = 0;
        let high = best.length;
        while (low < high) {
          const middle = (low + high) >>> 1;
          if (comparator(best[middle]!, item) <= 0) low = middle + 1;
          else high = middle;
        }
        best.splice(low, 0, item);
        if (best.length > take) best.pop();
      }
      return best.map((item) => item.row);
    }
    const decorated = rows.map(decorate);
    decorated.sort(comparator);
    return decorated.map((d) => d.row);
  }

  sortIds(modelName: string, ids: number[]): number[] {
    if (ids.length < 2) return ids;
    const rows = ids.map((id) => this.row(modelName, id)).filter((row): row is Row => !!row);
    return this.sortRows(modelName, rows, this.parseOrder(modelName, null)).map((row) => row.id);
  }

  search(env: CallEnv, modelName: string, domain: unknown, offset: number, limit: number | null, order: unknown): number[] {
    return this.searchPage(env, modelName, domain, offset, limit, order).ids;
  }

  /** One page of a search plus the total number of matches (one scan for both). */
  searchPage(env: CallEnv, modelName: string, domain: unknown, offset: number, limit: number | null, order: unknown): { ids: number[]; total: number } {
    this.checkAccess(env, modelName, 'read');
    const keys = this.parseOrder(modelName, order);
    let rows = this.searchRows(modelName, domain, this.activeTest(env.context));
    // record rule of res.users.apikeys: users see their own keys only
    if (modelName === 'res.users.apikeys' && env.groups) rows = rows.filter((row) => row.user_id === env.uid);
    const end = limit === null ? undefined : offset + limit;
    // A page of a large result only needs its first offset+limit rows in order.
    const sorted = this.sortRows(modelName, rows, keys, end);
    return { ids: sorted.slice(offset, end).map((row) => row.id), total: rows.length };
  }

  // ---- access ------------------------------------------------------------------------------

  checkAccess(env: CallEnv, modelName: string, operation: Operation): void {
    const model = this.model(modelName);
    if (env.groups) checkAccess(env.groups, modelName, model.description, operation);
  }

  // ---- writes ------------------------------------------------------------------------------

  private missing(env: CallEnv, modelName: string, ids: number[]): OdooSimError {
    const inner = ids.length === 1 ? `${ids[0]},` : ids.join(', ');
    return missingError(`Record does not exist or has been deleted.\n(Record: ${modelName}(${inner}), User: ${env.uid})`);
  }

  ensureExist(env: CallEnv, modelName: string, ids: number[]): void {
    const table = this.table(modelName);
    const absent = ids.filter((id) => !table.has(id));
    if (absent.length) throw this.missing(env, modelName, absent);
  }

  /** Converts one written value to its stored form (fields.convert_to_cache + column checks). */
  private convertScalar(modelName: string, field: string, attrs: FieldAttributes, value: unknown): unknown {
    switch (attrs.type) {
      case 'char':
      case 'text':
      case 'html':
        if (value === false || value === null || value === undefined) return null;
        return typeof value === 'string' ? value : pyRepr(value);
      case 'integer': {
        if (value === false || value === null || value === undefined) return null;
        const n = typeof value === 'number' ? Math.trunc(value) : Number(value);
        if (!Number.isFinite(n)) throw valueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
        if (n > INT4_MAX || n < -INT4_MAX - 1) throw new OdooSimError('psycopg2.errors.NumericValueOutOfRange', 'integer out of range\n');
        return n;
      }
      case 'float':
      case 'monetary': {
        if (value === false || value === null || value === undefined) return 0;
        const n = typeof value === 'number' ? value : Number(value);
        if (Number.isNaN(n)) throw valueError(`could not convert string to float: ${pyRepr(value)}`);
        return n;
      }
      case 'boolean':
        return !!value && !(Array.isArray(value) && value.length === 0);
      case 'date':
        return parseDate(value);
      case 'datetime':
        return parseDatetime(value);
      case 'selection': {
        if (value === false || value === null || value === undefined) return null;
        if (!this.selectionValues(modelName, field, attrs).includes(value as string)) {
          throw valueError(`Wrong value for ${modelName}.${field}: ${pyRepr(value)}`);
        }
        return value;
      }
      case 'many2one': {
        if (value === false || value === null || value === undefined) return null;
        const id: unknown = Array.isArray(value) ? value[0] : value;
        if (typeof id !== 'number' || !Number.isInteger(id)) {
          throw new OdooSimError('psycopg2.errors.InvalidTextRepresentation', `invalid input syntax for type integer: ${JSON.stringify(String(id))}\n`);
        }
        return id;
      }
      default:
        return value === false || value === undefined ? null : value;
    }
  }

  /** Selection keys; gender's options are the gender.type records (OpenG2P's dynamic selection). */
  selectionValues(modelName: string, field: string, attrs: FieldAttributes): string[] {
    if ((modelName === 'res.partner' && field === 'gender') || (modelName === 'g2p.group.membership' && field === 'individual_gender')) {
      return this.genderOptions().map(([value]) => value);
    }
    return (attrs.selection ?? []).map(([value]) => value);
  }

  genderOptions(): [string, string][] {
    const rows = [...this.table('gender.type').allRows()].filter((row) => row.active !== false && row.value);
    return this.sortRows('gender.type', rows, this.parseOrder('gender.type', null)).map((row) => [
      row.value as string,
      (row.code as string | null) ?? (row.value as string),
    ]);
  }

  /** create() of a list of value dicts, returning the new ids. */
  create(env: CallEnv, modelName: string, valsList: Record<string, unknown>[]): number[] {
    this.checkAccess(env, modelName, 'create');
    const model = this.model(modelName);
    const ids: number[] = [];
    for (const vals of valsList) {
      if (vals === null || typeof vals !== 'object' || Array.isArray(vals)) {
        throw new OdooSimError(
          'builtins.AttributeError',
          `'${Array.isArray(vals) ? 'list' : typeof vals === 'string' ? 'str' : 'int'}' object has no attribute 'items'`,
        );
      }
      for (const field of Object.keys(vals)) {
        if (!model.fields[field]) throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(modelName)}`);
      }
      const defaults = modelDefaults(this, env, modelName);
      const merged: Record<string, unknown> = { ...defaults };
      for (const [key, value] of Object.entries(env.context)) {
        if (key.startsWith('default_') && model.fields[key.slice(8)] && !(key.slice(8) in vals)) merged[key.slice(8)] = value;
      }
      Object.assign(merged, vals);
      const id = this.table(modelName).allocateId();
      const row: Record<string, unknown> = { id, create_uid: env.uid, write_uid: env.uid, create_date: env.stamp, write_date: env.stamp };
      const x2many: [string, FieldAttributes, unknown][] = [];
      for (const [field, value] of Object.entries(merged)) {
        const attrs = model.fields[field]!;
        if (MAGIC_FIELDS.has(field) || COMPUTED[modelName]?.[field] || attrs.store === false) continue;
        if (isX2many(attrs.type)) {
          x2many.push([field, attrs, value]);
          continue;
        }
        row[field] = this.convertScalar(modelName, field, attrs, value);
      }
      for (const field of model.many2manyFields) row[field] ??= NO_IDS;
      this.checkColumns(modelName, row);
      this.table(modelName).insert(row as Row);
      for (const [field, attrs, value] of x2many) this.applyX2many(env, modelName, id, field, attrs, value, true);
      ids.push(id);
    }
    validateRecords(this, env, modelName, ids, null);
    return ids;
  }

  write(env: CallEnv, modelName: string, ids: number[], vals: Record<string, unknown>): void {
    this.checkAccess(env, modelName, 'write');
    const model = this.model(modelName);
    if (vals === null || typeof vals !== 'object' || Array.isArray(vals)) {
      throw new OdooSimError('builtins.AttributeError', `'${Array.isArray(vals) ? 'list' : 'str'}' object has no attribute 'items'`);
    }
    for (const field of Object.keys(vals)) {
      if (!model.fields[field]) throw valueError(`Invalid field ${pyRepr(field)} on model ${pyRepr(modelName)}`);
    }
    this.ensureExist(env, modelName, ids);
    const changes: Record<string, unknown> = { write_uid: env.uid, write_date: env.stamp };
    const x2many: [string, FieldAttributes, unknown][] = [];
    for (const [field, value] of Object.entries(vals)) {
      const attrs = model.fields[field]!;
      if (MAGIC_FIELDS.has(field) || COMPUTED[modelName]?.[field] || attrs.store === false) continue;
      if (isX2many(attrs.type)) x2many.push([field, attrs, value]);
      else changes[field] = this.convertScalar(modelName, field, attrs, value);
    }
    const table = this.table(modelName);
    for (const id of ids) {
      const row = table.update(id, changes);
      this.checkColumns(modelName, row);
    }
    for (const id of ids) {
      for (const [field, attrs, value] of x2many) this.applyX2many(env, modelName, id, field, attrs, value, false);
    }
    validateRecords(this, env, modelName, ids, Object.keys(vals));
  }

  unlink(env: CallEnv, modelName: string, ids: number[]): void {
    this.checkAccess(env, modelName, 'unlink');
    this.ensureExist(env, modelName, ids);
    for (const id of ids) this.deleteRow(modelName, id);
  }

  private deleteRow(modelName: string, id: number): void {
    const table = this.table(modelName);
    if (!table.has(id)) return;
    table.delete(id);
    for (const { model, field } of this.referencing.get(modelName) ?? []) {
      const info = this.models.get(model)!;
      const dependants = this.lookup(model, field, id);
      if (!dependants || dependants.size === 0) continue;
      const action = info.onDelete[field];
      for (const dependant of [...dependants]) {
        if (action === 'cascade') this.deleteRow(model, dependant);
        else if (action === 'set null') this.table(model).update(dependant, { [field]: null });
        else throw this.foreignKeyError(model, field);
      }
    }
  }

  foreignKeyError(modelName: string, field: string): OdooSimError {
    const model = this.model(modelName);
    return validationError(
      `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${model.description} (${modelName})\nConstraint: ${tableName(modelName)}_${field}_fkey\n`,
    );
  }

  notNullError(modelName: string, field: string): OdooSimError {
    const model = this.model(modelName);
    return validationError(
      `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${model.description} (${modelName})\nField: ${model.fields[field]!.string} (${field})\n`,
    );
  }

  /** What PostgreSQL checks on INSERT/UPDATE: NOT NULL, foreign keys, CHECK constraints. */
  private checkColumns(modelName: string, row: Record<string, unknown>): void {
    const model = this.model(modelName);
    for (const { field, required, foreignModel } of model.columnChecks) {
      const value = row[field];
      if (required && (value === null || value === undefined)) throw this.notNullError(modelName, field);
      if (foreignModel && typeof value === 'number' && !this.exists(foreignModel, value)) throw this.foreignKeyError(modelName, field);
    }
    if (modelName === 'res.partner' && (row.type ?? 'contact') === 'contact' && (row.name === null || row.name === undefined)) {
      throw validationError('The operation cannot be completed: Contacts require a name');
    }
  }

  /** x2many commands 0-6 (and bare ids / dicts as Odoo accepts them) on one record. */
  private applyX2many(env: CallEnv, modelName: string, id: number, field: string, attrs: FieldAttributes, value: unknown, creating: boolean): void {
    const comodel = attrs.relation!;
    if (!this.models.has(comodel)) return;
    if (value === false || value === null) value = [[5]];
    if (!Array.isArray(value)) throw valueError(`Wrong value for ${modelName}.${field}: ${pyRepr(value)}`);
    const inverse = attrs.type === 'one2many' ? attrs.relation_field! : undefined;
    const current = (): number[] => (inverse ? [...(this.lookup(comodel, inverse, id) ?? [])] : [...((this.row(modelName, id)![field] as number[]) ?? [])]);
    const setM2m = (ids: number[]) => {
      for (const target of ids) if (!this.exists(comodel, target)) throw this.foreignKeyError(modelName, field);
      this.table(modelName).update(id, { [field]: [...new Set(ids)] });
    };
    const detach = (targets: number[]) => {
      if (!inverse) {
        const drop = new Set(targets);
        setM2m(current().filter((t) => !drop.has(t)));
        return;
      }
      const cascade = this.models.get(comodel)!.onDelete[inverse] === 'cascade';
      for (const target of targets) {
        if (!this.exists(comodel, target)) continue;
        if (cascade) this.unlink(env, comodel, [target]);
        else this.write(env, comodel, [target], { [inverse]: false });
      }
    };
    const link = (targets: number[]) => {
      if (inverse) this.write(env, comodel, targets, { [inverse]: id });
      else setM2m([...current(), ...targets]);
    };
    for (const raw of value) {
      const command: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'number' ? [4, raw] : [0, 0, raw];
      const [code, target, payload] = command as [unknown, number, unknown];
      switch (code) {
        case 0: {
          const vals = { ...(payload as Record<string, unknown>) };
          if (inverse) vals[inverse] = id;
          const [created] = this.create(env, comodel, [vals]);
          if (!inverse) setM2m([...current(), created!]);
          break;
        }
        case 1:
          this.write(env, comodel, [target], payload as Record<string, unknown>);
          break;
        case 2:
          this.unlink(env, comodel, [target]);
          if (!inverse) setM2m(current().filter((t) => t !== target));
          break;
        case 3:
          detach([target]);
          break;
        case 4:
          if (!this.exists(comodel, target)) {
            if (inverse) throw this.missing(env, comodel, [target]);
            throw this.foreignKeyError(modelName, field);
          }
          link([target]);
          break;
        case 5:
          if (!creating || !inverse) detach(current());
          break;
        case 6: {
          const wanted = Array.isArray(payload) ? (payload as number[]) : [];
          if (inverse) {
            const keep = new Set(wanted);
            detach(current().filter((t) => !keep.has(t)));
            const missing = wanted.filter((t) => !this.exists(comodel, t));
            if (missing.length) throw this.missing(env, comodel, missing);
            link(wanted.filter((t) => !current().includes(t)));
          } else {
            setM2m(wanted);
          }
          break;
        }
        default:
          throw valueError(`Invalid command ${pyRepr(raw)} for field ${modelName}.${field}`);
      }
    }
    if (!creating) this.table(modelName).update(id, { write_uid: env.uid, write_date: env.stamp });
  }
}

/** Shared empty id list: rows are never mutated in place (updates replace the array). */
const NO_IDS: readonly number[] = Object.freeze([]);

function mentionsActive(domain: unknown): boolean {
  if (!Array.isArray(domain)) return false;
  return domain.some((leaf) => Array.isArray(leaf) && typeof leaf[0] === 'string' && leaf[0] === 'active');
}
