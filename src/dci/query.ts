import type { Attribute, AttributeCatalog, Entity } from './attributes.js';
import { predicateSchema, type Predicate, type PredicateExpression, type SearchItem } from './envelope.js';
import { rejectCriteria, rejectFilter, SearchRejection } from './rejection.js';
import type { DciSettings } from '../config/dci.js';

/**
 * The three DCI query types read into one small condition tree over whitelisted attributes.
 * Pure: no Odoo here. Anything not understood rejects the search request it came in.
 */

export type Operator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains';

export type Condition =
  { op: 'and' | 'or'; items: Condition[] } | { op: 'not'; item: Condition } | { op: 'leaf'; attribute: Attribute; operator: Operator; value: unknown };

export interface ParsedSearch {
  entity: Entity;
  condition: Condition;
  /** Odoo `order`, always ending in the id so pages are stable. */
  order: string;
  pageSize: number;
  pageNumber: number;
}

const MONGO_OPERATORS: Record<string, Operator> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
  $in: 'in',
  $nin: 'nin',
  $contains: 'contains',
};
const PREDICATE_OPERATORS: Record<string, Operator> = { eq: 'eq', gt: 'gt', lt: 'lt', ge: 'gte', le: 'lte', in: 'in' };

/**
 * The operator a caller named, looked up among the table's own keys only: a plain index would
 * also find what every object inherits (`constructor`, `toString`) and put a function into the
 * Odoo domain.
 */
const operatorNamed = (table: Record<string, Operator>, name: string): Operator | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);

/**
 * How many conditions one search may hold. Each becomes a term of one Odoo domain, and Odoo
 * nests `&`/`|` terms as deep as they are many: tens of thousands exhaust its stack (a fault).
 */
const MAX_CONDITIONS = 200;

const conditionCount = (condition: Condition): number =>
  condition.op === 'leaf' ? 1 : condition.op === 'not' ? conditionCount(condition.item) : condition.items.reduce((sum, item) => sum + conditionCount(item), 0);

export function parseSearch(criteria: SearchItem['search_criteria'], catalog: AttributeCatalog, settings: DciSettings): ParsedSearch {
  const { entity, condition } = parseQuery(criteria, catalog, settings);
  if (conditionCount(condition) > MAX_CONDITIONS) throw rejectCriteria(`A search may hold at most ${MAX_CONDITIONS} conditions.`);
  return { entity, condition, order: parseSort(criteria.sort, entity, catalog), ...parsePagination(criteria.pagination, settings) };
}

function parseQuery(criteria: SearchItem['search_criteria'], catalog: AttributeCatalog, settings: DciSettings): { entity: Entity; condition: Condition } {
  const query = criteria.query;
  switch (criteria.query_type) {
    case 'idtype-value': {
      const entity = entityOf(criteria.response_entity, undefined, settings);
      return { entity, condition: parseIdtypeValue(query, entity, catalog) };
    }
    case 'predicate': {
      const entity = entityOf(criteria.response_entity, undefined, settings);
      return { entity, condition: parsePredicates(query, entity, catalog) };
    }
    case 'expression': {
      // The standard's own samples send predicate lists as "expression": unambiguous, so accepted.
      if (Array.isArray(query)) {
        const entity = entityOf(criteria.response_entity, undefined, settings);
        return { entity, condition: parsePredicates(query, entity, catalog) };
      }
      const expression = expressionOf(query);
      const entity = entityOf(criteria.response_entity, expression.collection, settings);
      return { entity, condition: parseMongo(expression.query, entity, catalog) };
    }
    default:
      throw rejectCriteria(`query_type "${criteria.query_type}" is not supported (idtype-value, expression, predicate).`);
  }
}

/** response_entity decides what is searched; without it, the expression's collection; else the configured default. */
function entityOf(responseEntity: string | undefined, collection: unknown, settings: DciSettings): Entity {
  const raw =
    responseEntity !== undefined && responseEntity !== '' ? responseEntity : typeof collection === 'string' && collection !== '' ? collection : undefined;
  if (raw === undefined) return settings.defaultResponseEntity;
  const name = raw.toLowerCase();
  if (name === 'group' || name === 'household' || name === 'family') return 'Group';
  if (name === 'member' || name === 'person' || name === 'individual') return 'Member';
  throw rejectCriteria(`response_entity "${raw}" is not known (Group, Member).`);
}

function parseIdtypeValue(query: unknown, entity: Entity, catalog: AttributeCatalog): Condition {
  if (!isPlainObject(query) || typeof query.type !== 'string' || query.type === '') {
    throw rejectCriteria('An idtype-value query is {"type": <identifier type>, "value": <identifier>}.');
  }
  const attribute = catalog.find(entity, query.type);
  if (!attribute || attribute.source.kind !== 'identifier') throw rejectFilter(`Identifier type "${query.type}" is not known to this registry.`);
  if (typeof query.value !== 'string' && typeof query.value !== 'number') throw rejectFilter('The identifier value must be a string or a number.');
  return { op: 'leaf', attribute, operator: 'eq', value: String(query.value) };
}

function expressionOf(query: unknown): { collection: unknown; query: unknown } {
  const holder = isPlainObject(query) && isPlainObject(query.value) ? query.value : query;
  const expression = isPlainObject(holder) ? holder.expression : undefined;
  if (!isPlainObject(expression) || !isPlainObject(expression.query)) {
    throw rejectCriteria('An expression query is {"type": …, "value": {"expression": {"collection": …, "query": {…}}}}.');
  }
  return { collection: expression.collection, query: expression.query };
}

/**
 * How deep $and/$or/$not may nest. Real queries stay within a handful of levels; without a bound
 * a few kilobytes of nesting overflow the stack of this recursive reading (a 500 for the message).
 */
const MAX_EXPRESSION_DEPTH = 32;

function parseMongo(node: unknown, entity: Entity, catalog: AttributeCatalog, depth = 0): Condition {
  if (depth > MAX_EXPRESSION_DEPTH) throw rejectCriteria(`An expression query may nest $and, $or and $not at most ${MAX_EXPRESSION_DEPTH} levels deep.`);
  if (!isPlainObject(node)) throw rejectCriteria('Each part of an expression query must be an object.');
  const parts: Condition[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw rejectCriteria(`${key} takes a non-empty list.`);
      parts.push({ op: key === '$and' ? 'and' : 'or', items: value.map((item) => parseMongo(item, entity, catalog, depth + 1)) });
    } else if (key === '$not') {
      parts.push({ op: 'not', item: parseMongo(value, entity, catalog, depth + 1) });
    } else if (key.startsWith('$')) {
      throw rejectFilter(`Operator ${key} is not supported here.`);
    } else {
      const attribute = attributeOf(catalog, entity, key);
      if (isPlainObject(value)) {
        const ops = Object.entries(value);
        if (ops.length === 0) throw rejectFilter(`No operator given for ${key}.`);
        for (const [op, operand] of ops) {
          const operator = operatorNamed(MONGO_OPERATORS, op);
          if (!operator) throw rejectFilter(`Operator ${op} is not supported (${Object.keys(MONGO_OPERATORS).join(' ')}).`);
          parts.push({ op: 'leaf', attribute, operator, value: operand });
        }
      } else {
        parts.push({ op: 'leaf', attribute, operator: 'eq', value });
      }
    }
  }
  if (parts.length === 0) throw rejectCriteria('An empty expression matches nothing in particular: give at least one condition.');
  return parts.length === 1 ? parts[0]! : { op: 'and', items: parts };
}

/**
 * A predicate list: items in `seq_num` order, all of which must hold; within an item,
 * `condition` joins expression1 and expression2 (`not`: expression1 and not expression2).
 */
function parsePredicates(query: unknown, entity: Entity, catalog: AttributeCatalog): Condition {
  if (!Array.isArray(query) || query.length === 0)
    throw rejectCriteria('A predicate query is a non-empty list of {seq_num, expression1, condition, expression2}.');
  const predicates: Predicate[] = query.map((item, index) => {
    const parsed = predicateSchema.safeParse(item);
    if (!parsed.success) throw rejectCriteria(`Predicate ${index + 1} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
    const extra = Object.keys(parsed.data).filter((k) => !['seq_num', 'expression1', 'condition', 'expression2'].includes(k));
    if (extra.length > 0) throw rejectCriteria(`Predicate ${index + 1} has unknown member(s): ${extra.join(', ')}.`);
    return parsed.data;
  });
  const ordered = predicates
    .map((p, index) => ({ p, index, seq: typeof p.seq_num === 'number' ? p.seq_num : Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.seq - b.seq || a.index - b.index)
    .map(({ p }) => p);
  const items = ordered.map((p): Condition => {
    const first = predicateLeaf(p.expression1, entity, catalog);
    if (p.expression2 === undefined || p.expression2 === '') return first;
    const second = predicateLeaf(p.expression2, entity, catalog);
    if (p.condition === 'or') return { op: 'or', items: [first, second] };
    if (p.condition === 'not') return { op: 'and', items: [first, { op: 'not', item: second }] };
    if (p.condition === 'and') return { op: 'and', items: [first, second] };
    throw rejectCriteria('A predicate with expression2 needs a condition (and, or, not).');
  });
  return items.length === 1 ? items[0]! : { op: 'and', items };
}

function predicateLeaf(expression: PredicateExpression, entity: Entity, catalog: AttributeCatalog): Condition {
  const attribute = attributeOf(catalog, entity, expression.attribute_name);
  const operator = operatorNamed(PREDICATE_OPERATORS, expression.operator);
  if (!operator) throw rejectFilter(`Operator "${expression.operator}" is not supported (eq gt lt ge le in).`);
  return { op: 'leaf', attribute, operator, value: expression.attribute_value };
}

function attributeOf(catalog: AttributeCatalog, entity: Entity, name: string): Attribute {
  const attribute = catalog.find(entity, name);
  if (!attribute) throw rejectFilter(`Attribute "${name}" is not held for ${entity === 'Group' ? 'groups' : 'members'} by this registry.`);
  return attribute;
}

function parseSort(sort: SearchItem['search_criteria']['sort'], entity: Entity, catalog: AttributeCatalog): string {
  const terms: string[] = [];
  for (const item of sort ?? []) {
    const attribute = catalog.find(entity, item.attribute_name);
    if (!attribute?.sort) throw new SearchRejection('rjct.sort.invalid', `Results cannot be sorted by "${item.attribute_name}".`);
    const order = (item.sort_order ?? 'asc').toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw new SearchRejection('rjct.sort.invalid', `sort_order must be asc or desc, not "${item.sort_order}".`);
    const descending = (order === 'desc') !== Boolean(attribute.sort.reversed);
    terms.push(`${attribute.sort.field} ${descending ? 'desc' : 'asc'}`);
  }
  terms.push('id asc');
  return terms.join(', ');
}

function parsePagination(pagination: SearchItem['search_criteria']['pagination'], settings: DciSettings): { pageSize: number; pageNumber: number } {
  if (!pagination) return { pageSize: settings.defaultPageSize, pageNumber: 1 };
  const size = integerOf(pagination.page_size);
  const number = pagination.page_number === undefined || pagination.page_number === '' ? 1 : integerOf(pagination.page_number);
  if (size === undefined || size < 1) throw new SearchRejection('rjct.pagination.invalid', 'page_size must be a positive integer.');
  if (number === undefined || number < 1) throw new SearchRejection('rjct.pagination.invalid', 'page_number counts from 1.');
  const pageSize = Math.min(size, settings.maxPageSize);
  if ((number - 1) * pageSize > settings.maxTotalCount)
    throw new SearchRejection('rjct.pagination.invalid', 'page_number is beyond the last page this registry serves.');
  return { pageSize, pageNumber: number };
}

/** An integer, or a string of digits (the samples' style). */
export function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
