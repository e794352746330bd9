import type { Queryable } from '../../../core/database.ts';
import type { FieldEquals } from './ledgerTables.ts';

/** Another transaction committed to a table this one read, after it read it: QLDB's OCC failure on a read. */
export class ReadConflictError extends Error {
  override name = 'ReadConflictError';
}

/**
 * What a QLDB transaction read, for its commit to be serializable as QLDB's are: the
 * journal's tip when it first read, and what it read: whole tables (a scan), or the
 * documents of a table whose field equals a value (a read through an index, as
 * `WHERE id = ?` is) together with the documents that read found. At commit, inside the
 * ledger transaction that appends its block (so after the strand lock), a block
 * committed since that tip by another transaction fails the commit when it wrote a
 * table scanned, a document found, or a document whose field now equals a value looked
 * up (a new match). This keeps "SELECT finds nothing, then INSERT" from committing
 * twice, while transactions that look up different documents of one table commit side
 * by side, as on QLDB. A scan is still tracked table by table, stricter than QLDB.
 */
export class ReadSet {
  #tip: Promise<number> | null = null;
  readonly #tables = new Set<string>();
  readonly #lookups: Array<{ table: string; field: string; value: string }> = [];
  readonly #found: Array<{ table: string; id: string }> = [];

  #readTip(db: Queryable): Promise<number> {
    this.#tip ??= db
      .query<{ tip: unknown }>('select tip_sequence_no as tip from ledger.strands')
      .then(([row]) => (row?.tip === null || row?.tip === undefined ? -1 : Number(row.tip)));
    return this.#tip;
  }

  /** Called before reading the whole of `table`; the first read of any kind reads the journal's tip. */
  async reading(db: Queryable, table: string): Promise<void> {
    this.#tables.add(table);
    await this.#readTip(db);
  }

  /** Called before reading the documents of `table` whose `field` equals `value`. */
  async lookingUp(db: Queryable, table: string, { field, value }: FieldEquals): Promise<void> {
    this.#lookups.push({ table, field, value });
    await this.#readTip(db);
  }

  /** A document a lookup found: a later change to it by another transaction is a conflict. */
  found(table: string, id: string): void {
    this.#found.push({ table, id });
  }

  /** Throws ReadConflictError when another transaction changed what this one read since it read it. */
  async check(tx: Queryable, transactionId: string): Promise<void> {
    if (this.#tip === null) return;
    const tip = await this.#tip;
    const lookups = this.#lookups;
    const found = this.#found;
    const [changed] = await tx.query<{ table_name: string }>(
      `select r.table_name from ledger.revisions r
       where r.strand_id = (select strand_id from ledger.strands) and r.sequence_no > $1 and r.tx_id <> $2
         and (r.table_name = any($3::text[])
           or exists (select 1 from unnest($4::text[], $5::text[], $6::text[]) as l(t, f, v)
                      where r.table_name = l.t and r.data ->> l.f = l.v)
           or exists (select 1 from unnest($7::text[], $8::text[]) as d(t, id)
                      where r.table_name = d.t and r.document_id = d.id))
       limit 1`,
      [
        tip,
        transactionId,
        [...this.#tables],
        lookups.map((lookup) => lookup.table),
        lookups.map((lookup) => lookup.field),
        lookups.map((lookup) => lookup.value),
        found.map((document) => document.table),
        found.map((document) => document.id),
      ],
    );
    if (changed !== undefined)
      throw new ReadConflictError(`${changed.table_name} changed after this transaction read it`);
  }
}
