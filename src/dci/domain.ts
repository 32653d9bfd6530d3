import { likeLiteral } from '../odoo/index.js';
import type { OdooDomain } from '../odoo/types.js';
import type { Attribute, Entity } from './attributes.js';
import type { Condition, Operator } from './query.js';
import { integerOf } from './query.js';
import { rejectFilter } from './rejection.js';
import { isStorableText } from '../registry/text.js';
import type { DciSettings } from '../config/dci.js';

/**
 * Condition tree -> Odoo domain (prefix notation). Every leaf becomes terms built here from
 * the attribute's whitelisted source; values are checked and converted, operators mapped.
 * Identifier and group-size leaves need data first: `RegistryLookups` fetches it, one Odoo
 * call per such leaf, never one per record.
 */

type Term = readonly [string, string, unknown];
type Domain = Array<string | Term>;

export interface RegistryLookups {
  /** Ids of registrants holding an ID of this OpenG2P type whose value matches (same g2p.reg.id record). */
  registrantsWithId(idTypeName: string, operator: '=' | 'in' | 'ilike', value: string | string[]): Promise<number[]>;
  /** Group id -> number of memberships that have not ended (groups without any are absent). */
  activeMemberCounts(): Promise<Map<number, number>>;
}

const ODOO_OPERATORS: Record<Operator, string> = {
  eq: '=',
  ne: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  in: 'in',
  nin: 'not in',
  contains: 'ilike',
};

export function baseDomain(entity: Entity): Domain {
  return [
    ['is_registrant', '=', true],
    ['is_group', '=', entity === 'Group'],
  ];
}

export interface CompileContext {
  lookups: RegistryLookups;
  settings: Pick<DciSettings, 'sexValues'>;
  /** Today, "YYYY-MM-DD" (UTC): ages are counted from it. */
  today: string;
}

export async function compileCondition(condition: Condition, ctx: CompileContext): Promise<Domain> {
  switch (condition.op) {
    case 'and':
    case 'or': {
      const parts = await Promise.all(condition.items.map((item) => compileCondition(item, ctx)));
      return [...Array<string>(parts.length - 1).fill(condition.op === 'and' ? '&' : '|'), ...parts.flat()];
    }
    case 'not':
      return ['!', ...(await compileCondition(condition.item, ctx))];
    case 'leaf':
      return compileLeaf(condition.attribute, condition.operator, condition.value, ctx);
  }
}

/** The whole search: registrants of the entity, and the condition. */
export async function compileSearchDomain(entity: Entity, condition: Condition, ctx: CompileContext): Promise<OdooDomain> {
  return [...baseDomain(entity), ...(await compileCondition(condition, ctx))];
}

async function compileLeaf(attribute: Attribute, operator: Operator, value: unknown, ctx: CompileContext): Promise<Domain> {
  const source = attribute.source;
  const name = attribute.name;
  switch (source.kind) {
    case 'field': {
      if (operator === 'contains' && source.type !== 'string') throw rejectFilter(`$contains applies to text attributes, not ${name}.`);
      const convert = (v: unknown) => convertScalar(v, source.type, name);
      return [[source.field, ODOO_OPERATORS[operator], operandOf(operator, value, name, convert)]];
    }
    case 'sex': {
      if (!['eq', 'ne', 'in', 'nin'].includes(operator)) throw rejectFilter(`${name} can only be compared for (in)equality.`);
      const convert = (v: unknown) => {
        const gender = typeof v === 'string' ? lookupCaseless(ctx.settings.sexValues, v) : undefined;
        if (gender === undefined) throw rejectFilter(`"${String(v)}" is not a value of ${name} (${Object.keys(ctx.settings.sexValues).join(', ')}).`);
        return gender;
      };
      return [['gender', ODOO_OPERATORS[operator], operandOf(operator, value, name, convert)]];
    }
    case 'relatedName': {
      if (['gt', 'gte', 'lt', 'lte'].includes(operator)) throw rejectFilter(`${name} cannot be compared by order.`);
      return [[source.path, ODOO_OPERATORS[operator], operandOf(operator, value, name, (v) => convertScalar(v, 'string', name))]];
    }
    case 'identifier':
      return compileIdentifier(source.idTypeName, operator, value, name, ctx.lookups);
    case 'age':
      return compileAge(operator, value, name, ctx.today);
    case 'groupSize':
      return compileGroupSize(operator, value, name, ctx.lookups);
  }
}

async function compileIdentifier(idTypeName: string, operator: Operator, value: unknown, name: string, lookups: RegistryLookups): Promise<Domain> {
  const text = (v: unknown) => convertScalar(v, 'string', name) as string;
  switch (operator) {
    case 'eq':
    case 'ne':
      return [['id', operator === 'eq' ? 'in' : 'not in', await lookups.registrantsWithId(idTypeName, '=', text(value))]];
    case 'in':
    case 'nin':
      return [['id', operator === 'in' ? 'in' : 'not in', await lookups.registrantsWithId(idTypeName, 'in', listOf(value, name).map(text))]];
    case 'contains':
      if (typeof value !== 'string' || value.trim() === '') throw rejectFilter(`$contains on ${name} takes a non-empty string.`);
      return [['id', 'in', await lookups.registrantsWithId(idTypeName, 'ilike', likeLiteral(text(value)))]];
    default:
      throw rejectFilter(`${name} can only be compared for (in)equality or containment.`);
  }
}

/** Age in whole years: age >= n exactly when birthdate <= today minus n years. */
function compileAge(operator: Operator, value: unknown, name: string, today: string): Domain {
  const years = (v: unknown) => {
    const n = integerOf(v);
    if (n === undefined || n < 0 || n > 200) throw rejectFilter(`${name} takes a whole number of years.`);
    return n;
  };
  const bornBy = (n: number): Term => ['birthdate', '<=', yearsBefore(today, n)];
  const bornAfter = (n: number): Term => ['birthdate', '>', yearsBefore(today, n)];
  const exactly = (n: number): Domain => ['&', bornBy(n), bornAfter(n + 1)];
  switch (operator) {
    case 'gte':
      return [bornBy(years(value))];
    case 'gt':
      return [bornBy(years(value) + 1)];
    case 'lt':
      return [bornAfter(years(value))];
    case 'lte':
      return [bornAfter(years(value) + 1)];
    case 'eq':
      return exactly(years(value));
    case 'ne':
      return ['!', ...exactly(years(value))];
    case 'in':
    case 'nin': {
      const values = listOf(value, name).map(years);
      const any: Domain = [...Array<string>(values.length - 1).fill('|'), ...values.flatMap(exactly)];
      return operator === 'in' ? any : ['!', ...any];
    }
    case 'contains':
      throw rejectFilter(`$contains does not apply to ${name}.`);
  }
}

function yearsBefore(today: string, years: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d));
  // 29 February in a year without one: the birthday counts as 28 February.
  if (date.getUTCMonth() !== m - 1) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

/**
 * Group size counted from memberships that have not ended (the stored counter lags by queue
 * jobs). Groups without any such membership have size 0: when the test holds for 0, the
 * domain excludes the groups it fails for instead of listing those it holds for.
 */
async function compileGroupSize(operator: Operator, value: unknown, name: string, lookups: RegistryLookups): Promise<Domain> {
  const size = (v: unknown) => {
    const n = integerOf(v);
    if (n === undefined || n < 0) throw rejectFilter(`${name} takes a whole number.`);
    return n;
  };
  let test: (n: number) => boolean;
  switch (operator) {
    case 'eq': {
      const v = size(value);
      test = (n) => n === v;
      break;
    }
    case 'ne': {
      const v = size(value);
      test = (n) => n !== v;
      break;
    }
    case 'gt': {
      const v = size(value);
      test = (n) => n > v;
      break;
    }
    case 'gte': {
      const v = size(value);
      test = (n) => n >= v;
      break;
    }
    case 'lt': {
      const v = size(value);
      test = (n) => n < v;
      break;
    }
    case 'lte': {
      const v = size(value);
      test = (n) => n <= v;
      break;
    }
    case 'in': {
      const vs = new Set(listOf(value, name).map(size));
      test = (n) => vs.has(n);
      break;
    }
    case 'nin': {
      const vs = new Set(listOf(value, name).map(size));
      test = (n) => !vs.has(n);
      break;
    }
    case 'contains':
      throw rejectFilter(`$contains does not apply to ${name}.`);
  }
  const counts = await lookups.activeMemberCounts();
  const holdsForEmpty = test(0);
  const ids = [...counts].filter(([, n]) => test(n) !== holdsForEmpty).map(([id]) => id);
  return [['id', holdsForEmpty ? 'not in' : 'in', ids]];
}

function operandOf(operator: Operator, value: unknown, name: string, convert: (v: unknown) => unknown): unknown {
  if (operator === 'in' || operator === 'nin') return listOf(value, name).map(convert);
  if (operator === 'contains') {
    if (typeof value !== 'string' || value.trim() === '') throw rejectFilter(`$contains on ${name} takes a non-empty string.`);
    return likeLiteral(convert(value) as string);
  }
  return convert(value);
}

function listOf(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000) throw rejectFilter(`in/nin on ${name} takes a non-empty list (at most 1000 values).`);
  return value;
}

function convertScalar(value: unknown, type: 'string' | 'number' | 'date' | 'datetime', name: string): string | number {
  switch (type) {
    case 'string':
      // Text Odoo cannot store cannot match anything, and over XML-RPC it would fault the whole search.
      if (typeof value === 'string' && !isStorableText(value))
        throw rejectFilter(`The value for ${name} contains a control character or an unpaired surrogate.`);
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      break;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
      break;
    case 'date':
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}($|T)/.test(value) && !Number.isNaN(Date.parse(value))) {
        return value.length === 10 ? value : new Date(value).toISOString().slice(0, 10);
      }
      break;
    case 'datetime':
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}($|T)/.test(value) && !Number.isNaN(Date.parse(value))) {
        return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString().slice(0, 19).replace('T', ' ');
      }
      break;
  }
  throw rejectFilter(`${JSON.stringify(value) ?? String(value)} is not a valid ${type === 'string' ? 'text' : type} for ${name}.`);
}

function lookupCaseless(map: Record<string, string>, key: string): string | undefined {
  const wanted = key.trim().toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
