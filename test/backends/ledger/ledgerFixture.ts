import type { TestEngine } from '../../../harness/databases.ts';
import { type Ledger, type LedgerOptions, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database, Row } from '../../../src/core/database.ts';

/** A ledger on a fresh database of `engine`; `drop` removes the database. */
export async function openTestLedger(
  engine: TestEngine,
  options: LedgerOptions = {},
): Promise<{ ledger: Ledger; db: Database; drop(): Promise<void> }> {
  const created = await engine.create();
  const ledger = await openLedger(created.db, options);
  return { ledger, db: created.db, drop: created.drop };
}

/** A clock that starts at `start` and moves `stepMs` forward on each read; `times` lists what it returned. */
export function steppingClock(start = '2024-03-01T12:00:00.000Z', stepMs = 1_001) {
  let next = Date.parse(start);
  const times: Date[] = [];
  const clock = () => {
    const time = new Date(next);
    next += stepMs;
    times.push(time);
    return time;
  };
  return { clock, times };
}

/** Every `ledger.blocks` row, oldest first, read with plain SQL. */
export function blockRows(db: Database): Promise<Row[]> {
  return db.query('select * from ledger.blocks order by sequence_no');
}

/** The `ledger.revisions` rows of each block, keyed by sequence number, in entry order. */
export async function revisionRowsByBlock(db: Database): Promise<Map<number, Row[]>> {
  const rows = await db.query('select * from ledger.revisions order by sequence_no, entry_index');
  const byBlock = new Map<number, Row[]>();
  for (const row of rows) {
    const sequenceNo = Number(row.sequence_no);
    byBlock.set(sequenceNo, [...(byBlock.get(sequenceNo) ?? []), row]);
  }
  return byBlock;
}

/**
 * Runs `sql` as an attacker with direct database access would: on one connection,
 * with the append-only triggers bypassed (`session_replication_role = replica`, or
 * the user triggers of `disableTriggersOn` switched off and on again). Returns the
 * rows the statement returns (use `returning` to count what it changed).
 */
export function tamper(
  db: Database,
  sql: string,
  params: readonly unknown[] = [],
  disableTriggersOn?: string,
): Promise<Row[]> {
  return db.transaction(async (tx) => {
    if (disableTriggersOn === undefined) await tx.query('set local session_replication_role = replica');
    else await tx.query(`alter table ${disableTriggersOn} disable trigger user`);
    const rows = await tx.query(sql, params);
    if (disableTriggersOn !== undefined)
      await tx.query(`alter table ${disableTriggersOn} enable trigger user`);
    return rows;
  });
}
