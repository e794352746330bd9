import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database, Queryable } from '../../../src/core/database.ts';
import { FigwayError } from '../../../src/errors.ts';
import {
  byteaOf,
  merkleRootOf,
  recomputeBlock,
  revisionOfRow,
  verifyRevisionIndependently,
} from './independentVerifier.ts';
import { blockRows, openTestLedger, revisionRowsByBlock } from './ledgerFixture.ts';

const engines = await testEngines();
const TABLE = 'commitments';
const PARALLEL = 40;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function create(documentId: string, data: unknown = { documentId }): LedgerWrite {
  return { tableName: TABLE, documentId, data, expectedVersion: null };
}

async function countRows(db: Database, sql: string, params: readonly unknown[] = []): Promise<number> {
  const [row] = await db.query(`select count(*) as n from ${sql}`, params);
  return Number(row?.n);
}

/** Asserts `error` is the retryable conflict a stale write gets. */
function expectConflict(error: unknown): void {
  expect(error).toBeInstanceOf(FigwayError);
  expect((error as FigwayError).extensions).toEqual({ code: 'CONFLICT', retryable: true });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the write to be rejected');
    },
    (error: unknown) => error,
  );
}

describe.each(engines)('ledger concurrency ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine));
  });
  afterAll(async () => {
    await drop?.();
  });

  it(`commits ${PARALLEL} parallel writes as blocks 0..${PARALLEL - 1}, chained, with no gap or duplicate`, async () => {
    // Inside each transaction, after its block is written and while it holds the
    // strand lock, count the other writers waiting for a lock: on PostgreSQL the pool
    // runs up to 10 transactions at once, so some must be seen waiting.
    let mostWaiting = 0;
    const countWaiting = async (tx: Queryable) => {
      if (engine.name !== 'postgres') return;
      const [row] = await tx.query(
        `select count(*) as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      mostWaiting = Math.max(mostWaiting, Number(row?.n));
    };
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        ledger.write([create(`parallel-${i}`, { i, amount: i / 4 })], countWaiting),
      ),
    );
    if (engine.name === 'postgres') expect(mostWaiting).toBeGreaterThan(0);
    const claimed = results.map((result) => result.blockAddress.sequenceNo).sort((a, b) => a - b);
    expect(claimed).toEqual(Array.from({ length: PARALLEL }, (_, i) => i));
    expect(new Set(results.map((result) => result.transactionId)).size).toBe(PARALLEL);

    const blocks = await blockRows(db);
    expect(blocks.map((block) => Number(block.sequence_no))).toEqual(claimed);
    const revisions = await revisionRowsByBlock(db);
    let previous: Uint8Array = new Uint8Array(0);
    for (const block of blocks) {
      expect(hex(byteaOf(block.previous_block_hash))).toBe(hex(previous));
      const rows = revisions.get(Number(block.sequence_no)) ?? [];
      expect(rows).toHaveLength(1);
      expect(hex(recomputeBlock(block, rows).blockHash)).toBe(hex(byteaOf(block.block_hash)));
      previous = byteaOf(block.block_hash);
    }
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: PARALLEL });

    const digest = await ledger.getDigest();
    expect(digest?.tipAddress.sequenceNo).toBe(PARALLEL - 1);
    expect(hex(digest?.digest ?? new Uint8Array(0))).toBe(
      hex(merkleRootOf(blocks.map((block) => byteaOf(block.block_hash)))),
    );
    for (const rows of revisions.values()) {
      for (const row of rows) {
        const revision = revisionOfRow(row);
        const address = { strandId: String(row.strand_id), sequenceNo: Number(row.sequence_no) };
        const proof = await ledger.getRevisionProof(
          address,
          revision.metadata.id,
          digest?.tipAddress ?? address,
        );
        expect(verifyRevisionIndependently(revision, proof, digest?.digest ?? new Uint8Array(0))).toBe(true);
      }
    }
  });

  it('lets exactly one of many concurrent writers at the same version win', async () => {
    await ledger.write([create('contested', { owner: 'first' })]);
    const blocksBefore = await countRows(db, 'ledger.blocks');
    const settled = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        ledger.write([
          { tableName: TABLE, documentId: 'contested', data: { owner: `writer ${i}` }, expectedVersion: 0 },
        ]),
      ),
    );
    const won = settled.filter((result) => result.status === 'fulfilled');
    const lost = settled.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const result of lost) expectConflict(result.reason);

    expect(await countRows(db, 'ledger.revisions where document_id = $1', ['contested'])).toBe(2);
    expect(await countRows(db, 'ledger.blocks')).toBe(blocksBefore + 1);
    const current = await ledger.current<{ owner: string }>(TABLE, 'contested');
    expect(current?.metadata.version).toBe(1);
    const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
    expect(current?.metadata.txId).toBe(winner?.transactionId);
    expect(await ledger.verifyJournal()).toMatchObject({ ok: true });
  });

  it('lets exactly one of many concurrent creators of a new document win', async () => {
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => ledger.write([create('born-once', { creator: i })])),
    );
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of settled) if (result.status === 'rejected') expectConflict(result.reason);
    expect(await countRows(db, 'ledger.revisions where document_id = $1', ['born-once'])).toBe(1);
  });

  it('writes nothing of a transaction when one of its writes conflicts', async () => {
    const blocksBefore = await countRows(db, 'ledger.blocks');
    const revisionsBefore = await countRows(db, 'ledger.revisions');
    const nodesBefore = await countRows(db, 'ledger.tree_nodes');
    const [strandBefore] = await db.query('select * from ledger.strands');
    const error = await rejectionOf(
      ledger.write([
        create('never-written'),
        { tableName: TABLE, documentId: 'contested', data: { owner: 'late' }, expectedVersion: 0 },
      ]),
    );
    expectConflict(error);
    expect(await ledger.current(TABLE, 'never-written')).toBeNull();
    expect(await countRows(db, 'ledger.documents where document_id = $1', ['never-written'])).toBe(0);
    expect(await countRows(db, 'ledger.blocks')).toBe(blocksBefore);
    expect(await countRows(db, 'ledger.revisions')).toBe(revisionsBefore);
    expect(await countRows(db, 'ledger.tree_nodes')).toBe(nodesBefore);
    expect(await db.query('select * from ledger.strands')).toEqual([strandBefore]);
  });

  it('refuses to create a document that exists (expectedVersion null)', async () => {
    expectConflict(await rejectionOf(ledger.write([create('contested')])));
    expect((await ledger.current(TABLE, 'contested'))?.metadata.version).toBe(1);
  });

  it('refuses a stale version and a version from the future', async () => {
    const stale = { tableName: TABLE, documentId: 'contested', data: { owner: 'stale' }, expectedVersion: 0 };
    expectConflict(await rejectionOf(ledger.write([stale])));
    expectConflict(await rejectionOf(ledger.write([{ ...stale, expectedVersion: 7 }])));
    expectConflict(
      await rejectionOf(ledger.write([{ ...stale, documentId: 'missing', expectedVersion: 0 }])),
    );
    const accepted = await ledger.write([{ ...stale, expectedVersion: 1 }]);
    expect(accepted.revisions[0]?.metadata.version).toBe(2);
    expect(await ledger.verifyJournal()).toMatchObject({ ok: true });
  });
});
