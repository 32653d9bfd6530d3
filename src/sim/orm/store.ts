/**
 * In-memory tables. Rows are treated as immutable objects: an update replaces the row with a
 * new object, so the undo journal can keep the previous object as it is (no cloning) and a
 * failed call is rolled back by putting the previous objects back.
 */
export type Row = Readonly<Record<string, unknown>> & { readonly id: number };

interface JournalEntry {
  table: Table;
  id: number;
  before: Row | undefined;
}

export class Journal {
  private entries: JournalEntry[] = [];
  private logged = new Set<string>();
  active = false;

  begin(): void {
    this.entries = [];
    this.logged.clear();
    this.active = true;
  }

  record(table: Table, id: number, before: Row | undefined): void {
    if (!this.active) return;
    const key = `${table.model}\u0000${id}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.entries.push({ table, id, before });
  }

  commit(): void {
    this.entries = [];
    this.logged.clear();
    this.active = false;
  }

  rollback(): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { table, id, before } = this.entries[i]!;
      table.restore(id, before);
    }
    this.commit();
  }
}

export class Table {
  private rows = new Map<number, Row>();
  /** value -> ids, for the many2one fields (one2many reads, FK checks, fast '=' / 'in'). */
  private indexes = new Map<string, Map<unknown, Set<number>>>();
  private lastId = 0;

  constructor(
    readonly model: string,
    indexedFields: string[],
    private readonly journal: Journal,
  ) {
    for (const field of indexedFields) this.indexes.set(field, new Map());
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: number): Row | undefined {
    return this.rows.get(id);
  }

  has(id: number): boolean {
    return this.rows.has(id);
  }

  allRows(): IterableIterator<Row> {
    return this.rows.values();
  }

  isIndexed(field: string): boolean {
    return this.indexes.has(field);
  }

  /** Ids whose indexed field equals value (undefined when the field has no index). */
  lookup(field: string, value: unknown): ReadonlySet<number> | undefined {
    const index = this.indexes.get(field);
    if (!index) return undefined;
    return index.get(value) ?? EMPTY;
  }

  /** Like a PostgreSQL sequence: ids are never reused, and a rollback does not give them back. */
  allocateId(explicit?: number): number {
    const id = explicit ?? this.lastId + 1;
    if (id > this.lastId) this.lastId = id;
    return id;
  }

  insert(row: Row): void {
    this.journal.record(this, row.id, undefined);
    this.put(row.id, row);
  }

  update(id: number, changes: Record<string, unknown>): Row {
    const before = this.rows.get(id);
    if (!before) throw new Error(`${this.model}(${id}) does not exist`);
    this.journal.record(this, id, before);
    const after = { ...before, ...changes, id } as Row;
    this.unindex(before);
    this.put(id, after);
    return after;
  }

  delete(id: number): void {
    const before = this.rows.get(id);
    if (!before) return;
    this.journal.record(this, id, before);
    this.unindex(before);
    this.rows.delete(id);
  }

  /** Undo: put the previous object back (or remove a row that did not exist). */
  restore(id: number, before: Row | undefined): void {
    const current = this.rows.get(id);
    if (current) this.unindex(current);
    if (before) this.put(id, before);
    else this.rows.delete(id);
  }

  private put(id: number, row: Row): void {
    this.rows.set(id, row);
    for (const [field, index] of this.indexes) {
      const value = row[field] ?? null;
      let ids = index.get(value);
      if (!ids) index.set(value, (ids = new Set()));
      ids.add(id);
    }
  }

  private unindex(row: Row): void {
    for (const [field, index] of this.indexes) {
      const value = row[field] ?? null;
      const ids = index.get(value);
      if (!ids) continue;
      ids.delete(row.id);
      if (ids.size === 0) index.delete(value);
    }
  }
}

const EMPTY: ReadonlySet<number> = new Set();
