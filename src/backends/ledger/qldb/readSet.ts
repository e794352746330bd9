import type { Queryable } from '../../../core/database.ts';

/** Another transaction committed to a table this one read, after it read it: QLDB's OCC failure on a read. */
export class ReadConflictError extends Error {
  override name = 'ReadConflictError';
}

/**
 * What a QLDB transaction read, for its commit to be serializable as QLDB's are: the
 * journal's tip when it first read, and the tables it read. At commit, inside the
 * ledger transaction that appends its block (so after the strand lock), a block
 * committed since that tip by another transaction and writing one of those tables
 * fails the commit. Table by table, so it is stricter than QLDB (which tracks what each
 * statement read): two transactions that read one table and write it may conflict
 * where QLDB's would not, and the driver then runs one of them again. This is what
 * keeps "SELECT finds nothing, then INSERT" from committing twice.
 */
export class ReadSet {
  #tip: Promise<number> | null = null;
  readonly #tables = new Set<string>();

  /** Called before reading `table`; the first call reads the journal's tip. */
  async reading(db: Queryable, table: string): Promise<void> {
    this.#tables.add(table);
    this.#tip ??= db
      .query<{ tip: unknown }>('select tip_sequence_no as tip from ledger.strands')
      .then(([row]) => (row?.tip === null || row?.tip === undefined ? -1 : Number(row.tip)));
    await this.#tip;
  }

  /** Throws ReadConflictError when another transaction wrote a table this one read since it read it. */
  async check(tx: Queryable, transactionId: string): Promise<void> {
    if (this.#tip === null) return;
    const tip = await this.#tip;
    const [changed] = await tx.query<{ table_name: string }>(
      `select r.table_name from ledger.revisions r
       where r.strand_id = (select strand_id from ledger.strands) and r.sequence_no > $1
         and r.table_name = any($2::text[]) and r.tx_id <> $3
       limit 1`,
      [tip, [...this.#tables], transactionId],
    );
    if (changed !== undefined)
      throw new ReadConflictError(`${changed.table_name} changed after this transaction read it`);
  }
}
