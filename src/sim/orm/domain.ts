import { OdooSimError, valueError } from '../exceptions.js';
import type { FieldAttributes } from './field-types.js';
import { isX2many } from './field-types.js';
import type { ModelInfo } from './models.js';
import { pyRepr, pyTupleRepr } from './pyrepr.js';
import type { Row } from './store.js';

/** What the domain evaluator needs from the database. */
export interface DomainHost {
  model(name: string): ModelInfo;
  /** Stored or computed value as kept internally: scalars or null, many2one id or null, x2many id arrays. */
  rawValue(model: string, row: Row, field: string, activeTest: boolean): unknown;
  /** x2many ids of a row, unsorted (cheaper than rawValue for evaluation). */
  linkedIds(model: string, row: Row, field: string, activeTest: boolean): number[];
  /** Parent ids of a one2many: the inverse many2one values of the given comodel ids. */
  inverseIds(comodel: string, inverseField: string, ids: ReadonlySet<number>): Set<number>;
  displayName(model: string, id: number): string;
  /** Ids of `model` matching `domain` (sub-queries of dotted paths and relational name matches). */
  searchIds(model: string, domain: unknown[], activeTest: boolean): Set<number>;
  /** Ids whose indexed field equals value, or undefined when the field has no index. */
  lookup(model: string, field: string, value: unknown): ReadonlySet<number> | undefined;
  exists(model: string, id: number): boolean;
  /** Fields computed on the fly (their value is not on the row). */
  isComputed(model: string, field: string): boolean;
}

export type Predicate = (row: Row) => boolean;

export interface CompiledDomain {
  predicate: Predicate;
  /** When the domain is a conjunction with an id / indexed leaf, the only ids that can match. */
  candidates?: ReadonlySet<number> | number[];
}

const TERM_OPERATORS = new Set([
  '=',
  '!=',
  '<=',
  '<',
  '>',
  '>=',
  '=?',
  '=like',
  '=ilike',
  'like',
  'not like',
  'ilike',
  'not ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
  'any',
  'not any',
]);
const NEGATIVE = new Set(['!=', 'not like', 'not ilike', 'not in', 'not any']);

type Token = '&' | '|' | '!' | Leaf;
interface Leaf {
  left: unknown;
  operator: unknown;
  right: unknown;
  source: unknown[];
}

/** expression.normalize_domain: implicit '&' between leaves, arity check. */
export function normalizeDomain(domain: unknown): Token[] {
  if (domain === false || domain === null || domain === undefined) return [];
  if (!Array.isArray(domain)) {
    if (typeof domain === 'string') return normalizeDomain([...domain]);
    throw new OdooSimError('builtins.TypeError', `'${typeof domain === 'number' ? 'int' : 'dict'}' object is not iterable`);
  }
  if (domain.length === 0) return [];
  const result: Token[] = [];
  let expected = 1;
  for (const token of domain as unknown[]) {
    if (expected === 0) {
      result.unshift('&');
      expected = 1;
    }
    if (token === '&' || token === '|') {
      expected += 1;
      result.push(token);
    } else if (token === '!') {
      result.push(token);
    } else {
      expected -= 1;
      result.push(toLeaf(token));
    }
  }
  if (expected !== 0) throw valueError(`Domain ${pyRepr(domain)} is syntactically not correct.`);
  return distributeNot(result);
}

const NEGATED_OPERATOR: Record<string, string> = {
  '<': '>=',
  '>': '<=',
  '<=': '>',
  '>=': '<',
  '=': '!=',
  '!=': '=',
  in: 'not in',
  'not in': 'in',
  like: 'not like',
  'not like': 'like',
  ilike: 'not ilike',
  'not ilike': 'ilike',
};

/**
 * expression.distribute_not: pushes '!' down to the leaves by negating their operator, so
 * that NOT (income > 100) means income <= 100 and, as in SQL, leaves NULL out.
 */
function distributeNot(tokens: Token[]): Token[] {
  const result: Token[] = [];
  const stack: boolean[] = [false];
  for (const token of tokens) {
    const negate = stack.pop() ?? false;
    if (token === '!') {
      stack.push(!negate);
    } else if (token === '&' || token === '|') {
      result.push(negate ? (token === '&' ? '|' : '&') : token);
      stack.push(negate, negate);
    } else if (!negate) {
      result.push(token);
    } else {
      const operator = typeof token.operator === 'string' ? token.operator.toLowerCase() : token.operator;
      const isConstant = (token.left === 1 || token.left === 0) && operator === '=' && token.right === 1;
      if (isConstant) result.push({ ...token, left: token.left === 1 ? 0 : 1 });
      else if (typeof operator === 'string' && NEGATED_OPERATOR[operator]) result.push({ ...token, operator: NEGATED_OPERATOR[operator] });
      else result.push('!', token);
    }
  }
  return result;
}

function toLeaf(token: unknown): Leaf {
  const items = Array.isArray(token) ? token : typeof token === 'string' ? [...token] : null;
  if (!items) throw new OdooSimError('builtins.TypeError', `'${typeof token === 'number' ? 'int' : 'NoneType'}' object is not iterable`);
  if (items.length < 3) throw valueError(`not enough values to unpack (expected 3, got ${items.length})`);
  if (items.length > 3) throw valueError('too many values to unpack (expected 3)');
  return { left: items[0], operator: items[1], right: items[2], source: items };
}

/** SQL LIKE pattern -> RegExp (% any run, _ one character, backslash escapes). */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
}

export class DomainCompiler {
  constructor(
    private readonly host: DomainHost,
    private readonly activeTest: boolean,
  ) {}

  compile(modelName: string, domain: unknown): CompiledDomain {
    const tokens = normalizeDomain(domain);
    const model = this.host.model(modelName);
    const stack: Predicate[] = [];
    // Leaves are checked in order (field, then operator) before evaluation, as Odoo does.
    const compiledLeaves = new Map<Leaf, Predicate>();
    for (const token of tokens) if (typeof token === 'object') compiledLeaves.set(token, this.compileLeaf(model, token));
    for (let i = tokens.length - 1; i >= 0; i--) {
      const token = tokens[i]!;
      if (token === '!') {
        const inner = stack.pop()!;
        stack.push((row) => !inner(row));
      } else if (token === '&' || token === '|') {
        const a = stack.pop()!;
        const b = stack.pop()!;
        stack.push(token === '&' ? (row) => a(row) && b(row) : (row) => a(row) || b(row));
      } else {
        stack.push(compiledLeaves.get(token)!);
      }
    }
    const predicate = stack.length ? stack[0]! : () => true;
    return { predicate, candidates: this.candidates(model, tokens) };
  }

  /** Narrowing for pure conjunctions: an `id` or indexed many2one leaf with '=' / 'in'. */
  private candidates(model: ModelInfo, tokens: Token[]): ReadonlySet<number> | number[] | undefined {
    if (tokens.some((token) => token === '|' || token === '!')) return undefined;
    let best: ReadonlySet<number> | number[] | undefined;
    const size = (c: ReadonlySet<number> | number[]) => (Array.isArray(c) ? c.length : c.size);
    for (const token of tokens) {
      if (typeof token !== 'object' || typeof token.left !== 'string') continue;
      const operator = String(token.operator).toLowerCase();
      if (operator !== '=' && operator !== 'in') continue;
      const values = operator === 'in' ? (Array.isArray(token.right) ? token.right : [token.right]) : [token.right];
      if (!values.every((v) => typeof v === 'number' && Number.isInteger(v))) continue;
      let found: ReadonlySet<number> | number[] | undefined;
      if (token.left === 'id') {
        found = values as number[];
      } else if (model.fields[token.left]?.type === 'many2one') {
        const sets = values.map((v) => this.host.lookup(model.name, token.left as string, v));
        if (sets.some((s) => s === undefined)) continue;
        found = sets.length === 1 ? sets[0] : new Set(sets.flatMap((s) => [...s!]));
      }
      if (found && (!best || size(found) < size(best))) best = found;
    }
    return best;
  }

  private compileLeaf(model: ModelInfo, leaf: Leaf): Predicate {
    const { left, right } = leaf;
    const leafRepr = pyTupleRepr(leaf.source);
    if (typeof leaf.operator !== 'string') throw valueError(`Invalid leaf ${leafRepr}`);
    let operator = leaf.operator.toLowerCase();
    if (operator === '<>') operator = '!=';
    // TRUE_LEAF / FALSE_LEAF
    if ((left === 1 || left === 0) && operator === '=' && right === 1) return left === 1 ? () => true : () => false;
    if (typeof left !== 'string') throw valueError(`Invalid leaf ${leafRepr}`);
    const [head, rest] = splitPath(left);
    const field = model.fields[head];
    if (!field) throw valueError(`Invalid field ${model.name}.${head} in leaf ${leafRepr}`);
    if (!TERM_OPERATORS.has(operator)) throw valueError(`Invalid leaf ${leafRepr}`);
    if (rest !== undefined) return this.compilePath(model, head, field, rest, operator, right, leafRepr);
    return this.compileTerm(model, head, field, operator, right, leafRepr);
  }

  private compilePath(model: ModelInfo, head: string, field: FieldAttributes, rest: string, operator: string, right: unknown, leafRepr: string): Predicate {
    if (!field.relation || !(field.type === 'many2one' || isX2many(field.type))) {
      throw valueError(`Invalid field ${model.name}.${head} in leaf ${leafRepr}`);
    }
    const comodel = field.relation;
    this.host.model(comodel);
    // Odoo follows many2one paths without active_test and x2many paths with the caller's context.
    const activeTest = field.type === 'many2one' ? false : this.activeTest;
    let matching: Set<number> | undefined;
    const matches = () => (matching ??= this.host.searchIds(comodel, [[rest, operator, right]], activeTest));
    return this.relationalIn(model, head, field, matches);
  }

  private relationalIn(model: ModelInfo, name: string, field: FieldAttributes, ids: () => ReadonlySet<number>): Predicate {
    if (field.type === 'many2one') {
      return (row) => {
        const value = row[name] as number | null | undefined;
        return value != null && ids().has(value);
      };
    }
    if (field.type === 'one2many' && field.relation_field) {
      // Evaluate from the comodel side: the parents of the matching lines.
      let parents: Set<number> | undefined;
      return (row) => (parents ??= this.host.inverseIds(field.relation!, field.relation_field!, ids())).has(row.id);
    }
    return (row) => {
      const linked = (row[name] as number[] | undefined) ?? [];
      const wanted = ids();
      return linked.some((id) => wanted.has(id));
    };
  }

  private compileTerm(model: ModelInfo, name: string, field: FieldAttributes, operator: string, right: unknown, leafRepr: string): Predicate {
    if (operator === '=?') {
      if (right === false || right === null || right === undefined) return () => true;
      operator = '=';
    }
    if (operator === 'any' || operator === 'not any') {
      if (!field.relation) throw valueError(`Invalid leaf ${leafRepr}`);
      const comodel = field.relation;
      const activeTest = field.type === 'many2one' ? false : this.activeTest;
      let matching: Set<number> | undefined;
      const inner = this.relationalIn(model, name, field, () => (matching ??= this.host.searchIds(comodel, right as unknown[], activeTest)));
      return operator === 'any' ? inner : (row) => !inner(row);
    }
    if (operator === 'child_of' || operator === 'parent_of') {
      const ids = new Set(toList(right).filter((v): v is number => typeof v === 'number'));
      return this.relationalIn(model, name, field, () => ids);
    }
    if (field.type === 'many2one' || isX2many(field.type)) return this.compileRelational(model, name, field, operator, right);
    const read: (row: Row) => unknown =
      field.store === false || name === 'id' || this.host.isComputed(model.name, name)
        ? (row) => (name === 'id' ? row.id : this.host.rawValue(model.name, row, name, this.activeTest))
        : (row) => row[name] ?? null;
    return scalarPredicate(field.type, operator, right, read);
  }

  private compileRelational(model: ModelInfo, name: string, field: FieldAttributes, operator: string, right: unknown): Predicate {
    const comodel = field.relation;
    const values = toList(right);
    const textual = values.length > 0 && values.every((v) => typeof v === 'string');
    const isLike = operator.includes('like');
    if (comodel && (textual || isLike) && right !== false) {
      // ('partner_id', 'ilike', 'name') and ('partner_id', '=', 'name') compare display names.
      const negative = NEGATIVE.has(operator);
      const positiveOperator = negative ? { '!=': '=', 'not like': 'like', 'not ilike': 'ilike', 'not in': 'in' }[operator]! : operator;
      let matching: Set<number> | undefined;
      const ids = () => (matching ??= this.namesMatching(comodel, positiveOperator, right));
      const inner = this.relationalIn(model, name, field, ids);
      if (!negative) return inner;
      return (row) => !inner(row);
    }
    const read = (row: Row): unknown => (field.type === 'many2one' ? (row[name] ?? null) : this.host.linkedIds(model.name, row, name, this.activeTest));
    if (field.type === 'many2one') return scalarPredicate('integer', operator, right, read);
    const wantsEmpty = right === false || right === null || (Array.isArray(right) && right.length === 0 && operator === '=');
    const idSet = new Set(values.filter((v): v is number => typeof v === 'number'));
    return (row) => {
      const linked = read(row) as number[];
      switch (operator) {
        case '=':
        case 'in':
          return wantsEmpty ? linked.length === 0 : linked.some((id) => idSet.has(id)) || (values.includes(false) && linked.length === 0);
        case '!=':
        case 'not in':
          return wantsEmpty ? linked.length > 0 : !linked.some((id) => idSet.has(id));
        default:
          return false;
      }
    };
  }

  private namesMatching(comodel: string, operator: string, right: unknown): Set<number> {
    const info = this.host.model(comodel);
    const all = this.host.searchIds(comodel, [], false);
    const names = toList(right).map(String);
    const result = new Set<number>();
    const regexes = operator.includes('like') ? names.map((n) => likeToRegExp(operator.startsWith('=') ? n : `%${n}%`, operator.includes('ilike'))) : undefined;
    for (const id of all) {
      const display = this.host.displayName(info.name, id);
      if (regexes ? regexes.some((r) => r.test(display)) : names.includes(display)) result.add(id);
    }
    return result;
  }
}

function splitPath(path: string): [string, string | undefined] {
  const dot = path.indexOf('.');
  return dot < 0 ? [path, undefined] : [path.slice(0, dot), path.slice(dot + 1)];
}

function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === false;

/** SQL semantics of a comparison on a stored scalar column (NULL never compares). */
export function scalarPredicate(type: string, operator: string, right: unknown, read: (row: Row) => unknown): Predicate {
  if (type === 'boolean') {
    const truthy = (v: unknown) => v === true;
    switch (operator) {
      case '=':
        return (row) => truthy(read(row)) === (right === true || right === 1);
      case '!=':
        return (row) => truthy(read(row)) !== (right === true || right === 1);
      case 'in': {
        const set = toList(right).map((v) => v === true || v === 1);
        return (row) => set.includes(truthy(read(row)));
      }
      case 'not in': {
        const set = toList(right).map((v) => v === true || v === 1);
        return (row) => !set.includes(truthy(read(row)));
      }
      default:
        break;
    }
  }
  switch (operator) {
    case '=':
      if (isEmpty(right)) return (row) => isEmpty(read(row));
      return (row) => equal(read(row), right);
    case '!=':
      if (isEmpty(right)) return (row) => !isEmpty(read(row));
      return (row) => {
        const v = read(row);
        return isEmpty(v) || !equal(v, right);
      };
    case 'in': {
      const list = toList(right);
      const withNull = list.some(isEmpty);
      const set = new Set(list.filter((v) => !isEmpty(v)).map(normalizeKey));
      return (row) => {
        const v = read(row);
        return isEmpty(v) ? withNull : set.has(normalizeKey(v));
      };
    }
    case 'not in': {
      const list = toList(right);
      const withNull = list.some(isEmpty);
      const set = new Set(list.filter((v) => !isEmpty(v)).map(normalizeKey));
      return (row) => {
        const v = read(row);
        return isEmpty(v) ? !withNull : !set.has(normalizeKey(v));
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (isEmpty(right)) return () => false;
      return (row) => {
        const v = read(row);
        if (isEmpty(v)) return false;
        const c = compare(v, right);
        return operator === '<' ? c < 0 : operator === '<=' ? c <= 0 : operator === '>' ? c > 0 : c >= 0;
      };
    }
    case 'like':
    case 'ilike':
    case 'not like':
    case 'not ilike':
    case '=like':
    case '=ilike': {
      const negative = operator.startsWith('not');
      if (isEmpty(right)) {
        // Odoo turns ('f', 'like', False) into IS NULL / IS NOT NULL.
        return negative ? (row) => !isEmpty(read(row)) : (row) => isEmpty(read(row));
      }
      const raw = String(right);
      const regex = likeToRegExp(operator.startsWith('=') ? raw : `%${raw}%`, operator.includes('ilike'));
      if (negative)
        return (row) => {
          const v = read(row);
          return isEmpty(v) || !regex.test(String(v));
        };
      return (row) => {
        const v = read(row);
        return !isEmpty(v) && regex.test(String(v));
      };
    }
    default:
      return () => false;
  }
}

function normalizeKey(value: unknown): unknown {
  return typeof value === 'number' ? value : String(value);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
}

export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
