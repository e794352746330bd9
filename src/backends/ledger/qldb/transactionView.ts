import type { Queryable } from '../../../core/database.ts';
import type { LedgerRevision, LedgerWrite } from '../ledgerTypes.ts';
import { StatementError } from './evaluateExpr.ts';
import { type IonTree, ionBinaryOf } from './ionTree.ts';
import {
  committedRevisions,
  documentOf,
  type FieldEquals,
  hasRevisions,
  historyRevisions,
  isTableName,
  readCatalog,
  readListedTables,
  type TableEntry,
  USER_TABLES,
  unlistedTable,
} from './ledgerTables.ts';
import { ReadSet } from './readSet.ts';

/** A document as a transaction sees it: committed, or written earlier in the transaction. */
export interface SeenDocument {
  id: string;
  document: IonTree;
}

/** What a transaction will write, per document: its new content, or its deletion. */
type Pending = { kind: 'ion'; document: IonTree } | { kind: 'json'; data: unknown } | { kind: 'deleted' };

interface PendingWrite {
  tableName: string;
  documentId: string;
  /** The version the transaction read; null for a document it created. */
  expectedVersion: number | null;
  pending: Pending;
  /** The indexes of the transaction's statements that wrote the document, in order. */
  statements: number[];
}

const keyOf = (table: string, id: string) => `${table}\u0000${id}`;

/**
 * One QLDB transaction's view of the ledger: the committed documents, read when a
 * statement asks, with the transaction's own writes laid over them; at commit its
 * writes become one ledger transaction, each naming the version it read, so a
 * document another transaction changed in between fails the commit (OCC).
 */
export class TransactionView {
  readonly #db: Queryable;
  readonly #writes = new Map<string, PendingWrite>();
  // The version each document had when this transaction first read it.
  readonly #read = new Map<string, number>();
  // The id of each table a statement named, and the statement running now, for the
  // block's transaction info.
  readonly #tableIds = new Map<string, string>();
  #statement: number | null = null;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** What this transaction read and when, checked at its commit. */
  readonly reads = new ReadSet();

  /** The fields CREATE INDEX named in this transaction: each gets its PostgreSQL index after the commit. */
  readonly newIndexes: Array<{ table: string; field: string }> = [];

  // The tables the catalog lists, read once per transaction.
  #listed: Promise<TableEntry[]> | null = null;

  // Catalog entries as this transaction left them (CREATE, DROP TABLE, CREATE INDEX).
  #withPending(entries: readonly TableEntry[]): TableEntry[] {
    const byId = new Map(entries.map((entry) => [entry.tableId, entry]));
    for (const write of this.#writes.values()) {
      if (write.tableName !== USER_TABLES || write.pending.kind !== 'json') continue;
      byId.set(write.documentId, { ...(write.pending.data as TableEntry), version: write.expectedVersion });
    }
    return [...byId.values()];
  }

  /** Every user table, with this transaction's CREATE and DROP TABLE applied (reads every table name). */
  async catalog(): Promise<TableEntry[]> {
    await this.reads.reading(this.#db, USER_TABLES);
    return this.#withPending(await readCatalog(this.#db));
  }

  /** The active table named `name`, or null: one the catalog lists, or one figway writes itself. */
  async tableNamed(name: string): Promise<TableEntry | null> {
    // The catalog's own table, and names no CREATE TABLE accepts, are never user tables.
    if (!isTableName(name)) return null;
    await this.reads.reading(this.#db, USER_TABLES);
    this.#listed ??= readListedTables(this.#db);
    const entries = this.#withPending(await this.#listed);
    // A name dropped and created again has an inactive entry and an active one.
    const active = entries.find((table) => table.name === name && table.status === 'ACTIVE');
    if (active !== undefined) return active;
    if (entries.some((table) => table.name === name)) return null;
    await this.reads.reading(this.#db, name);
    return (await hasRevisions(this.#db, name)) ? unlistedTable(name) : null;
  }

  /** True when the catalog holds a dropped table named `name`. */
  async wasDropped(name: string): Promise<boolean> {
    await this.reads.reading(this.#db, USER_TABLES);
    this.#listed ??= readListedTables(this.#db);
    return this.#withPending(await this.#listed).some(
      (table) => table.name === name && table.status === 'INACTIVE',
    );
  }

  /** The active table named `name`; a StatementError as QLDB words it when there is none. */
  async table(name: string): Promise<TableEntry> {
    const entry = await this.tableNamed(name);
    if (entry === null) throw new StatementError(`No such variable named '${name}'`);
    this.#tableIds.set(name, entry.tableId);
    return entry;
  }

  /** The documents of `table` (optionally only those whose field equals a string), with this transaction's writes. */
  async documents(table: string, equals: FieldEquals | null = null): Promise<SeenDocument[]> {
    const seen = new Map<string, SeenDocument>();
    if (equals === null) await this.reads.reading(this.#db, table);
    else await this.reads.lookingUp(this.#db, table, equals);
    for (const revision of await committedRevisions(this.#db, table, equals)) {
      if (equals !== null) this.reads.found(table, revision.metadata.id);
      const key = keyOf(table, revision.metadata.id);
      if (!this.#read.has(key)) this.#read.set(key, revision.metadata.version);
      seen.set(revision.metadata.id, { id: revision.metadata.id, document: documentOf(revision) });
    }
    for (const write of this.#writes.values()) {
      if (write.tableName !== table) continue;
      if (write.pending.kind === 'deleted') seen.delete(write.documentId);
      else if (write.pending.kind === 'ion')
        seen.set(write.documentId, { id: write.documentId, document: write.pending.document });
    }
    return [...seen.values()];
  }

  /** The committed revisions of `table` (QLDB's `_ql_committed_` view: committed data only). */
  async committed(table: string): Promise<LedgerRevision[]> {
    await this.reads.reading(this.#db, table);
    return committedRevisions(this.#db, table);
  }

  /** Every committed revision of `table` between two commit times. */
  async history(table: string, from: Date | null, to: Date | null): Promise<LedgerRevision[]> {
    await this.reads.reading(this.#db, table);
    return historyRevisions(this.#db, table, from, to);
  }

  /** Starts the transaction's statement `index` (from 0): the writes it makes are recorded as its own. */
  beginStatement(index: number): void {
    this.#statement = index;
  }

  /** Records the new content (or deletion) of a document for the commit. */
  put(tableName: string, documentId: string, pending: Pending, created = false): void {
    const key = keyOf(tableName, documentId);
    const earlier = this.#writes.get(key);
    // A document this transaction created and now deletes never existed outside it: the
    // commit writes nothing of it (a deletion must name a committed version it deletes).
    if (pending.kind === 'deleted' && earlier !== undefined && earlier.expectedVersion === null) {
      this.#writes.delete(key);
      return;
    }
    const expectedVersion =
      earlier !== undefined ? earlier.expectedVersion : created ? null : (this.#read.get(key) ?? null);
    const statements = [...(earlier?.statements ?? [])];
    if (this.#statement !== null && !statements.includes(this.#statement)) statements.push(this.#statement);
    this.#writes.set(key, { tableName, documentId, expectedVersion, pending, statements });
  }

  /** The catalog entry's new content; an entry the catalog does not list yet is created. */
  putTable(entry: TableEntry): void {
    const { name, tableId, status, indexes, version } = entry;
    const key = keyOf(USER_TABLES, tableId);
    if (version !== null && !this.#read.has(key)) this.#read.set(key, version);
    this.put(
      USER_TABLES,
      tableId,
      { kind: 'json', data: { name, tableId, status, indexes } },
      version === null,
    );
  }

  /**
   * The ledger writes of the commit, in the order the transaction made them, each with
   * its table's id (the catalog's; a table figway writes itself is its own id) and the
   * statements that made it.
   */
  ledgerWrites(): LedgerWrite[] {
    return [...this.#writes.values()].map(
      ({ tableName, documentId, expectedVersion, pending, statements }) => {
        const tableId = this.#tableIds.get(tableName) ?? tableName;
        const base = { tableName, documentId, expectedVersion, tableId, statements };
        if (pending.kind === 'json') return { ...base, data: pending.data };
        if (pending.kind === 'deleted') return { ...base, data: null, deleted: true } as LedgerWrite;
        return { ...base, data: null, ion: ionBinaryOf(pending.document) } as LedgerWrite;
      },
    );
  }
}
