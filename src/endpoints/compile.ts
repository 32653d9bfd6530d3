import { likeLiteral } from '../odoo/index.js';
import type { WebSpecification } from '../odoo/types.js';
import { RESERVED_ODOO_FIELDS } from '../registry/custom-fields.js';
import { BUILT_IN_TARGETS, CATALOGS, forbiddenModel, valueTypeOf, type Catalog, type CatalogField, type RelationField, type ValueType } from './catalog.js';
import type { Condition, DeclarationSource, EndpointDeclaration, EndpointKind, Operator } from './declaration.js';

/**
 * Start-up compilation of endpoint declarations against Odoo's fields (`fields_get`): every
 * path resolved through the catalogs, every type and operator checked, the Odoo specification,
 * domain terms and answer shape built once. A problem is a sentence naming the file, the line
 * and the reason; any problem stops start-up (and fails `check-config`).
 */

export type Term = readonly [string, string, unknown];
export type DomainPart = string | Term;

/** fields_get of one model (type, relation, selection, readonly), as fetched once at start-up. */
export type ModelFields = Record<string, { type: string; relation?: string; selection?: Array<[string, string]>; readonly?: boolean; store?: boolean }>;
export type FieldsOf = (model: string) => Promise<ModelFields | undefined>;

export interface OutputScalar {
  kind: 'scalar';
  odoo: string;
  type: ValueType;
}
export interface OutputRelation {
  kind: 'relation';
  odoo: string;
  many: boolean;
  where?: RelationField['where'];
  through?: string;
  children: OutputTree;
}
export type OutputTree = Record<string, OutputScalar | OutputRelation>;

export interface CompiledParam {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  type: ValueType;
  op: Operator;
  /** `in` / `not_in`: a comma-separated list. */
  list: boolean;
  /** Allowed values (a selection field's keys). */
  values?: string[];
  description: string;
  /** The domain term for a validated value. */
  term(value: unknown): DomainPart[];
}

export interface CompiledGroupBy {
  key: string;
  /** read_group groupby spec (`gender`, `birthdate:day`). */
  spec: string;
  type: ValueType | 'relation';
  ageBands?: number[];
}

export interface CompiledMeasure {
  key: string;
  /** read_group field spec (`__count`, `income:sum`). */
  spec: string;
  odoo?: string;
}

export interface CompiledWrite {
  name: string;
  odoo: string;
  type: ValueType;
  values?: string[];
  required: boolean;
}

export interface CompiledEndpoint {
  index: number;
  /** `GET /custom/villages/{village}/households`, for messages and logs. */
  label: string;
  kind: EndpointKind;
  method: 'GET' | 'PATCH';
  /** Fastify form, `:name` parameters, relative to api.prefix. */
  url: string;
  summary: string;
  roles: Array<'Rest API GET' | 'Rest API POST'>;
  model: string;
  /** Scope and fixed filter, always applied. */
  domain: DomainPart[];
  params: CompiledParam[];
  output: OutputTree;
  spec: WebSpecification;
  sort: 'id' | '-id' | 'updated_at';
  pageSize?: number;
  includeArchived: boolean;
  groupBy: CompiledGroupBy[];
  measures: CompiledMeasure[];
  writes: CompiledWrite[];
  /** Name of the path parameter bound to `id` (get by id, update). */
  idParam?: string;
}

export interface CompileInput {
  declarations: readonly EndpointDeclaration[];
  sources?: ReadonlyArray<DeclarationSource | undefined>;
  fieldsOf: FieldsOf;
  /** True when a built-in route answers this method and URL (Fastify form, with the API prefix). */
  routeExists: (method: string, url: string) => boolean;
  prefix: string;
}

export interface CompileResult {
  endpoints: CompiledEndpoint[];
  problems: string[];
}

/** Operators that fit each value type. */
const OPERATORS_BY_TYPE: Record<ValueType, readonly Operator[]> = {
  string: ['eq', 'ne', 'in', 'not_in', 'contains', 'is_set', 'is_not_set'],
  integer: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'is_set', 'is_not_set'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'is_set', 'is_not_set'],
  date: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'],
  datetime: ['gt', 'gte', 'lt', 'lte', 'is_set', 'is_not_set'],
  boolean: ['eq', 'ne'],
};
const ODOO_OPERATOR: Record<Operator, string> = {
  eq: '=',
  ne: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
  not_in: 'not in',
  contains: 'ilike',
  is_set: '!=',
  is_not_set: '=',
};
const VALUELESS: readonly Operator[] = ['is_set', 'is_not_set'];

/** A `contains` operand matches its text literally (never as a LIKE pattern). */
const operand = (op: Operator, value: unknown): unknown => (op === 'contains' && typeof value === 'string' ? likeLiteral(value) : value);

/** A resolved path: the Odoo term it compiles to, and the type of its last field. */
interface Resolved {
  type: ValueType;
  values?: string[];
  readonly: boolean;
  /** Builds the (possibly nested `any`) term for a leaf term on the last field. */
  wrap(leaf: Term): Term;
  /** Top-level Odoo field when the path is one field long. */
  topOdoo?: string;
  depth: number;
}

class Problems extends Error {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

export async function compileEndpoints(input: CompileInput): Promise<CompileResult> {
  const endpoints: CompiledEndpoint[] = [];
  const problems: string[] = [];
  const seenRoutes = new Map<string, string>();
  for (const [index, declaration] of input.declarations.entries()) {
    const source = input.sources?.[index];
    const method = declaration.method ?? (declaration.kind === 'update' ? 'PATCH' : 'GET');
    const label = `${method} ${declaration.path}`;
    const where = (key: string) => {
      const line = source?.lines[key] ?? source?.lines[key.replace(/\.[^.[]+$|\[\d+\]$/, '')] ?? source?.lines[''];
      return `${source?.file ?? 'endpoints'}${line ? `:${line}` : ''}: endpoints[${index}] (${label})${key ? `: ${key}` : ''}`;
    };
    const found: string[] = [];
    try {
      const compiled = await new EndpointCompiler(declaration, index, method, label, input, found).compile();
      const shape = `${method} ${compiled.url.replace(/:[a-z0-9_]+/g, ':')}`;
      const clash = seenRoutes.get(shape);
      if (clash) found.push(`path\u0000clashes with another custom endpoint (${clash})`);
      seenRoutes.set(shape, label);
      if (found.length === 0) endpoints.push(compiled);
    } catch (err) {
      if (!(err instanceof Problems)) throw err;
      found.push(`${err.at}\u0000${err.message}`);
    }
    for (const problem of found) {
      const [key, message] = problem.split('\u0000') as [string, string];
      problems.push(`${where(key)}: ${message}`);
    }
  }
  return { endpoints, problems };
}

class EndpointCompiler {
  private readonly catalogName: string;
  private readonly targetModel: string;
  private readonly modelCatalog?: Catalog;

  constructor(
    private readonly d: EndpointDeclaration,
    private readonly index: number,
    private readonly method: 'GET' | 'PATCH',
    private readonly label: string,
    private readonly input: CompileInput,
    private readonly problems: string[],
  ) {
    if (d.target === 'model') {
      if (!d.model || !d.modelFields) throw new Problems('target', 'target: model needs `model` and `modelFields` (the only fields of it that may be reached)');
      if (forbiddenModel(d.model))
        throw new Problems('model', `the model "${d.model}" may not be exposed (users, keys, Odoo's own models; registrants through individuals or groups)`);
      this.catalogName = '(model)';
      this.targetModel = d.model;
      this.modelCatalog = {
        model: d.model,
        customFields: false,
        fields: Object.fromEntries(d.modelFields.map((f) => [f, { kind: 'scalar', odoo: f } as CatalogField])),
      };
      this.modelCatalog.fields.id = { kind: 'scalar', odoo: 'id' };
    } else {
      if (d.model || d.modelFields) throw new Problems('model', '`model` and `modelFields` belong to target: model only');
      this.catalogName = BUILT_IN_TARGETS[d.target].catalog;
      this.targetModel = CATALOGS[this.catalogName]!.model;
    }
  }

  private problem(at: string, message: string): void {
    this.problems.push(`${at}\u0000${message}`);
  }

  private catalog(name: string): Catalog {
    return name === '(model)' ? this.modelCatalog! : CATALOGS[name]!;
  }

  async compile(): Promise<CompiledEndpoint> {
    const d = this.d;
    const rootFields = await this.input.fieldsOf(this.targetModel);
    if (!rootFields)
      throw new Problems(d.target === 'model' ? 'model' : 'target', `Odoo has no model "${this.targetModel}" (or the gateway's account may not read it)`);
    this.checkShape();
    const url = d.path.replace(/\{([a-z0-9_]+)\}/g, ':$1');
    if (this.input.routeExists(this.method, `${this.input.prefix}${url}`))
      this.problem('path', `clashes with a built-in route (${this.method} ${this.input.prefix}${d.path})`);

    const domain: DomainPart[] = [...(d.target === 'model' ? [] : BUILT_IN_TARGETS[d.target].scope)] as DomainPart[];
    for (const [i, term] of d.filter.entries()) {
      const at = `filter[${i}]`;
      const negated = 'not' in term;
      const condition: Condition = 'not' in term ? term.not : term;
      const compiled = await this.fixedCondition(condition, negated ? `${at}.not` : at);
      if (compiled) domain.push(...(negated ? ['!', compiled] : [compiled]));
    }

    const params = await this.compileParams(url);
    const output: OutputTree = {};
    for (const [i, path] of d.fields.entries()) await this.addOutput(output, path, `fields[${i}]`);
    const groupBy = d.kind === 'aggregate' ? await this.compileGroupBy() : [];
    const measures = d.kind === 'aggregate' ? await this.compileMeasures() : [];
    const writes = d.kind === 'update' ? await this.compileWrites() : [];
    const idParam = params.find((p) => p.in === 'path' && this.d.params.find((q) => q.name === p.name)?.field === 'id' && p.op === 'eq')?.name;
    if (d.kind === 'update' && !idParam) this.problem('params', 'an update endpoint needs a path parameter bound to `id` with op eq ({id} in the path)');

    return {
      index: this.index,
      label: this.label,
      kind: d.kind,
      method: this.method,
      url,
      summary: d.summary ?? `Custom endpoint (${d.kind} of ${d.target === 'model' ? d.model : d.target})`,
      roles: [...new Set(d.roles)],
      model: this.targetModel,
      domain,
      params,
      output,
      spec: specOf(output),
      sort: d.sort,
      pageSize: d.pageSize,
      includeArchived: d.includeArchived,
      groupBy,
      measures,
      writes,
      idParam,
    };
  }

  /** Which keys belong to which kind, methods and roles. */
  private checkShape(): void {
    const d = this.d;
    const readKind = d.kind !== 'update';
    if (readKind && this.method !== 'GET') this.problem('method', `a ${d.kind} endpoint answers GET`);
    if (!readKind && this.method !== 'PATCH') this.problem('method', 'an update endpoint answers PATCH');
    if (!readKind && !d.roles.includes('Rest API POST'))
      this.problem('roles', 'an update endpoint changes the registry: its roles must include "Rest API POST"');
    if ((d.kind === 'list' || d.kind === 'get' || d.kind === 'update') && d.fields.length === 0)
      this.problem('fields', `a ${d.kind} endpoint must list the fields it returns`);
    if ((d.kind === 'count' || d.kind === 'aggregate') && d.fields.length > 0)
      this.problem('fields', `a ${d.kind} endpoint returns no record fields; remove fields`);
    if (d.kind === 'aggregate' && d.groupBy.length === 0) this.problem('groupBy', 'an aggregate endpoint needs at least one groupBy field');
    if (d.kind !== 'aggregate' && d.groupBy.length > 0) this.problem('groupBy', 'groupBy belongs to aggregate endpoints only');
    if (d.kind !== 'update' && d.writes.length > 0) this.problem('writes', 'writes belongs to update endpoints only');
    if (d.kind === 'update' && d.writes.length === 0) this.problem('writes', 'an update endpoint must list the fields it may change');
    if (d.kind !== 'list' && d.pageSize !== undefined) this.problem('pageSize', 'pageSize belongs to list endpoints only');
  }

  /** Follows a dotted path through the catalogs and Odoo's fields. */
  private async resolve(
    path: string,
    at: string,
    allowRelationLeaf = false,
  ): Promise<Resolved | { relation: RelationField; catalog: string; model: string; wrap(leaf: Term): Term; depth: number }> {
    const parts = path.split('.');
    let catalogName = this.catalogName;
    let model = this.targetModel;
    const wrappers: Array<(inner: Term) => Term> = [];
    for (const [i, part] of parts.entries()) {
      const catalog = this.catalog(catalogName);
      const fields = await this.input.fieldsOf(model);
      let entry = catalog.fields[part];
      if (!entry && catalog.customFields && part.startsWith('x_')) entry = { kind: 'scalar', odoo: part };
      const wrap = (leaf: Term): Term => wrappers.reduceRight<Term>((inner, outer) => outer(inner), leaf);
      if (!entry) {
        const known = Object.keys(catalog.fields).join(', ');
        throw new Problems(
          at,
          `unknown field "${parts.slice(0, i + 1).join('.')}" (${i > 0 ? parts.slice(0, i).join('.') : this.d.target === 'model' ? this.d.model : this.d.target} has ${known}${catalog.customFields ? ' and its x_ fields' : ''})`,
        );
      }
      const odoo = fields?.[entry.odoo];
      if (!odoo) throw new Problems(at, `unknown field "${parts.slice(0, i + 1).join('.')}": Odoo's ${model} has no field ${entry.odoo}`);
      const last = i === parts.length - 1;
      if (entry.kind === 'scalar') {
        if (!last) throw new Problems(at, `"${parts.slice(0, i + 1).join('.')}" is a plain field; it has no "${parts[i + 1]}"`);
        const type = valueTypeOf(odoo.type);
        if (!type) throw new Problems(at, `"${path}" is an Odoo ${odoo.type} field, which endpoints cannot use`);
        return {
          type,
          values: odoo.type === 'selection' ? odoo.selection?.map(([key]) => key) : undefined,
          readonly: odoo.readonly === true || odoo.store === false,
          wrap: (leaf: Term) => wrap([entry.odoo, leaf[1], leaf[2]] as Term),
          topOdoo: parts.length === 1 ? entry.odoo : undefined,
          depth: parts.length,
        };
      }
      const relation = entry;
      const comodel = catalogName === '(model)' ? undefined : this.catalog(relation.catalog).model || odoo.relation;
      if (!comodel) throw new Problems(at, `"${path}" cannot be followed`);
      const nextModel = relation.through ? (await this.input.fieldsOf(odoo.relation ?? ''))?.[relation.through]?.relation : comodel;
      if (!nextModel) throw new Problems(at, `"${parts.slice(0, i + 1).join('.')}" cannot be followed on this Odoo`);
      wrappers.push((inner: Term): Term => {
        const stepped: Term = relation.through ? [relation.through, 'any', [inner]] : inner;
        return [relation.odoo, 'any', [...(relation.where?.terms ?? []), stepped]];
      });
      if (last) {
        if (allowRelationLeaf) return { relation, catalog: relation.catalog, model: nextModel, wrap, depth: parts.length };
        const names = Object.keys(this.catalog(relation.catalog).fields).filter((f) => f !== 'id');
        throw new Problems(
          at,
          `"${path}" is a relation; name one of its fields (${names
            .map((f) => `${path}.${f}`)
            .slice(0, 4)
            .join(', ')})`,
        );
      }
      catalogName = relation.catalog;
      model = nextModel;
    }
    throw new Problems(at, `empty field path`);
  }

  private async scalarPath(path: string, at: string): Promise<Resolved> {
    return (await this.resolve(path, at)) as Resolved;
  }

  private checkOperator(resolved: Resolved, op: Operator, path: string, at: string): boolean {
    if (OPERATORS_BY_TYPE[resolved.type].includes(op)) return true;
    this.problem(at, `operator "${op}" does not fit ${path}, a ${resolved.type} field (use ${OPERATORS_BY_TYPE[resolved.type].join(', ')})`);
    return false;
  }

  private async fixedCondition(c: Condition, at: string): Promise<Term | undefined> {
    const resolved = await this.scalarPath(c.field, `${at}.field`);
    if (!this.checkOperator(resolved, c.op, c.field, `${at}.op`)) return undefined;
    if (VALUELESS.includes(c.op)) {
      if (c.value !== undefined) this.problem(`${at}.value`, `operator ${c.op} takes no value`);
      return resolved.wrap([c.field, ODOO_OPERATOR[c.op], false]);
    }
    if (c.value === undefined) {
      this.problem(`${at}.value`, `operator ${c.op} needs a value`);
      return undefined;
    }
    const list = c.op === 'in' || c.op === 'not_in';
    const values = list ? (Array.isArray(c.value) ? c.value : [c.value]) : [c.value];
    if (!list && Array.isArray(c.value)) {
      this.problem(`${at}.value`, `operator ${c.op} takes one value, not a list`);
      return undefined;
    }
    for (const value of values) {
      const reason = literalProblem(resolved, value);
      if (reason) {
        this.problem(`${at}.value`, `${JSON.stringify(value)} ${reason} for ${c.field}`);
        return undefined;
      }
    }
    const odooValues = values.map((v) => operand(c.op, odooLiteral(resolved.type, v)));
    return resolved.wrap([c.field, ODOO_OPERATOR[c.op], list ? odooValues : odooValues[0]]);
  }

  private async compileParams(url: string): Promise<CompiledParam[]> {
    const inPath = [...url.matchAll(/:([a-z0-9_]+)/g)].map((m) => m[1]!);
    const out: CompiledParam[] = [];
    const names = new Set<string>();
    for (const [i, p] of this.d.params.entries()) {
      const at = `params[${i}]`;
      if (names.has(p.name)) this.problem(`${at}.name`, `parameter "${p.name}" is declared twice`);
      names.add(p.name);
      if (p.in === 'path' && !inPath.includes(p.name)) this.problem(`${at}.in`, `path parameter "${p.name}" does not appear in the path as {${p.name}}`);
      if (p.in === 'query' && inPath.includes(p.name)) this.problem(`${at}.in`, `"${p.name}" appears in the path; declare it with in: path`);
      if (['limit', 'cursor'].includes(p.name) && this.d.kind === 'list') this.problem(`${at}.name`, `"${p.name}" is the list's own paging parameter`);
      let resolved: Resolved;
      try {
        resolved = await this.scalarPath(p.field, `${at}.field`);
      } catch (err) {
        if (!(err instanceof Problems)) throw err;
        this.problem(err.at, err.message);
        continue;
      }
      if (p.type !== undefined && p.type !== resolved.type) {
        this.problem(`${at}.type`, `type "${p.type}" does not fit ${p.field}, a ${resolved.type} field`);
        continue;
      }
      if (!this.checkOperator(resolved, p.op, p.field, `${at}.op`)) continue;
      if (VALUELESS.includes(p.op) && resolved.type !== 'boolean') {
        this.problem(`${at}.op`, `operator ${p.op} takes no value, so it cannot be a parameter; put it in filter`);
        continue;
      }
      const list = p.op === 'in' || p.op === 'not_in';
      const field = p.field;
      out.push({
        name: p.name,
        in: p.in,
        required: p.in === 'path' || p.required,
        type: resolved.type,
        op: p.op,
        list,
        values: resolved.values,
        description: p.description ?? `${field} ${p.op}${list ? ' (comma-separated values)' : ''}`,
        term: (value: unknown) => {
          const odooValue = list ? (value as unknown[]).map((v) => odooLiteral(resolved.type, v)) : operand(p.op, odooLiteral(resolved.type, value));
          return [resolved.wrap([field, ODOO_OPERATOR[p.op], odooValue])];
        },
      });
    }
    for (const name of inPath)
      if (!this.d.params.some((p) => p.name === name && p.in === 'path'))
        this.problem('path', `{${name}} has no parameter declaring it (params: - name: ${name}, in: path, field: ...)`);
    return out;
  }

  private async addOutput(tree: OutputTree, path: string, at: string): Promise<void> {
    try {
      await this.resolve(path, at);
    } catch (err) {
      if (!(err instanceof Problems)) throw err;
      this.problem(err.at, err.message);
      return;
    }
    // Resolution succeeded: walk again, building the tree.
    let node = tree;
    let catalogName = this.catalogName;
    let model = this.targetModel;
    for (const part of path.split('.')) {
      const catalog = this.catalog(catalogName);
      const entry = catalog.fields[part] ?? { kind: 'scalar', odoo: part };
      const fields = (await this.input.fieldsOf(model))!;
      if (entry.kind === 'scalar') {
        node[part] = { kind: 'scalar', odoo: entry.odoo, type: valueTypeOf(fields[entry.odoo]!.type)! };
        return;
      }
      const existing = node[part];
      const relation: OutputRelation =
        existing?.kind === 'relation'
          ? existing
          : { kind: 'relation', odoo: entry.odoo, many: entry.many, where: entry.where, through: entry.through, children: {} };
      node[part] = relation;
      node = relation.children;
      const comodel = fields[entry.odoo]!.relation!;
      model = entry.through ? (await this.input.fieldsOf(comodel))![entry.through]!.relation! : this.catalog(entry.catalog).model || comodel;
      catalogName = entry.catalog;
    }
  }

  private async compileGroupBy(): Promise<CompiledGroupBy[]> {
    const out: CompiledGroupBy[] = [];
    for (const [i, g] of this.d.groupBy.entries()) {
      const at = typeof g === 'string' ? `groupBy[${i}]` : `groupBy[${i}].field`;
      const path = typeof g === 'string' ? g : g.field;
      let resolved;
      try {
        resolved = await this.resolve(path, at, true);
      } catch (err) {
        if (!(err instanceof Problems)) throw err;
        this.problem(err.at, err.message);
        continue;
      }
      if (resolved.depth > 1) {
        this.problem(at, `"${path}": group by a field of the target itself (Odoo's read_group cannot group by a related record's field)`);
        continue;
      }
      if ('relation' in resolved) {
        if (resolved.relation.many || resolved.relation.where) {
          this.problem(at, `"${path}" holds many records; group by a single-valued field`);
          continue;
        }
        if (typeof g !== 'string') this.problem(`groupBy[${i}].ageBands`, `ageBands needs a date field; "${path}" is a relation`);
        out.push({ key: path, spec: resolved.relation.odoo, type: 'relation' });
        continue;
      }
      const odoo = resolved.topOdoo!;
      if (typeof g !== 'string') {
        if (resolved.type !== 'date') {
          this.problem(`groupBy[${i}].ageBands`, `ageBands needs a date field; "${path}" is a ${resolved.type} field`);
          continue;
        }
        if (g.ageBands.some((b, j) => j > 0 && b <= g.ageBands[j - 1]!)) {
          this.problem(`groupBy[${i}].ageBands`, 'bands must be in ascending order, each bound once');
          continue;
        }
        out.push({ key: g.as ?? `${path}_band`, spec: `${odoo}:day`, type: 'date', ageBands: g.ageBands });
        continue;
      }
      out.push({ key: path, spec: resolved.type === 'date' || resolved.type === 'datetime' ? `${odoo}:day` : odoo, type: resolved.type });
    }
    const keys = out.map((g) => g.key);
    if (new Set(keys).size !== keys.length) this.problem('groupBy', 'two groupBy entries give the same answer key; set `as` on one');
    return out;
  }

  private async compileMeasures(): Promise<CompiledMeasure[]> {
    const out: CompiledMeasure[] = [];
    for (const [i, m] of this.d.measures.entries()) {
      if (m === 'count') {
        out.push({ key: 'count', spec: '__count' });
        continue;
      }
      const at = `measures[${i}].sum`;
      try {
        const resolved = await this.scalarPath(m.sum, at);
        if (resolved.depth > 1) this.problem(at, `"${m.sum}": sum a field of the target itself`);
        else if (resolved.type !== 'integer' && resolved.type !== 'number')
          this.problem(at, `"${m.sum}" is a ${resolved.type} field; only numbers can be summed`);
        else out.push({ key: `sum_${m.sum}`, spec: `${resolved.topOdoo}:sum`, odoo: resolved.topOdoo });
      } catch (err) {
        if (!(err instanceof Problems)) throw err;
        this.problem(err.at, err.message);
      }
    }
    return out;
  }

  private async compileWrites(): Promise<CompiledWrite[]> {
    const out: CompiledWrite[] = [];
    for (const [i, w] of this.d.writes.entries()) {
      const path = typeof w === 'string' ? w : w.field;
      const at = typeof w === 'string' ? `writes[${i}]` : `writes[${i}].field`;
      if (!this.d.fields.includes(path)) {
        this.problem(at, `"${path}" is not listed in fields; an update endpoint writes only fields it lists (and returns)`);
        continue;
      }
      let resolved: Resolved;
      try {
        resolved = await this.scalarPath(path, at);
      } catch (err) {
        if (!(err instanceof Problems)) throw err;
        this.problem(err.at, err.message);
        continue;
      }
      const odoo = resolved.topOdoo;
      if (resolved.depth > 1 || !odoo) {
        this.problem(at, `"${path}" belongs to a related record; an update endpoint writes the target's own fields`);
        continue;
      }
      if (RESERVED_ODOO_FIELDS.has(odoo)) {
        this.problem(at, `"${path}" is managed by the gateway (${odoo}) and may not be written by a custom endpoint`);
        continue;
      }
      if (resolved.readonly) {
        this.problem(at, `"${path}" is read-only in Odoo (computed or not stored)`);
        continue;
      }
      if (resolved.type === 'datetime') {
        this.problem(at, `"${path}" is a datetime field; custom endpoints write text, numbers, booleans and dates`);
        continue;
      }
      const declaredEnum = typeof w === 'string' ? undefined : w.enum;
      if (declaredEnum && resolved.type !== 'string') this.problem(`writes[${i}].enum`, `enum fits text fields only; "${path}" is a ${resolved.type} field`);
      out.push({ name: path, odoo, type: resolved.type, values: resolved.values ?? declaredEnum, required: typeof w === 'string' ? false : w.required });
    }
    return out;
  }
}

/** Why a YAML literal does not fit a field's type (undefined when it fits). */
function literalProblem(resolved: Resolved, value: unknown): string | undefined {
  switch (resolved.type) {
    case 'string':
      if (typeof value !== 'string') return 'is not text';
      if (resolved.values && !resolved.values.includes(value)) return `is not one of ${resolved.values.join(', ')}`;
      return undefined;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'is not a whole number';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'is not a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'is not true or false';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'is not a date (YYYY-MM-DD)';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /T.*(Z|[+-]\d{2}:\d{2})$/.test(value)
        ? undefined
        : 'is not an ISO 8601 datetime with offset';
  }
}

/** A validated value as Odoo wants it in a domain. */
export function odooLiteral(type: ValueType, value: unknown): unknown {
  if (type === 'datetime' && typeof value === 'string') return new Date(value).toISOString().slice(0, 19).replace('T', ' ');
  return value;
}

/** The web_search_read specification reading exactly the answer's fields (and what relations filter on). */
export function specOf(tree: OutputTree): WebSpecification {
  const spec: WebSpecification = {};
  for (const node of Object.values(tree)) {
    if (node.kind === 'scalar') {
      if (node.odoo !== 'id') spec[node.odoo] = {};
      continue;
    }
    const children = specOf(node.children);
    const fields: WebSpecification = node.through ? { [node.through]: { fields: children } } : children;
    const own: WebSpecification = node.where ? mergeSpecs(node.where.spec, fields) : fields;
    const current = spec[node.odoo] as { fields?: WebSpecification } | undefined;
    spec[node.odoo] = { fields: mergeSpecs(current?.fields ?? {}, own), ...(node.many || node.where ? { order: 'id asc' } : {}) };
  }
  return spec;
}

function mergeSpecs(a: WebSpecification, b: WebSpecification): WebSpecification {
  const out: WebSpecification = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const left = out[key] as { fields?: WebSpecification } | undefined;
    const right = value as { fields?: WebSpecification };
    out[key] = left?.fields || right.fields ? { ...left, ...right, fields: mergeSpecs(left?.fields ?? {}, right.fields ?? {}) } : value;
  }
  return out;
}
