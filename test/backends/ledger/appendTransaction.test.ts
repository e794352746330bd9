import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database } from '../../../src/core/database.ts';
import { countingDatabase } from '../../support/countingDatabase.ts';

const engines = await testEngines();
const TABLE = 'commitments';

const create = (documentId: string, data: unknown = { documentId }): LedgerWrite => ({
  tableName: TABLE,
  documentId,
  data,
  expectedVersion: null,
});

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.query(`select count(*) as n from ${table}`);
  return Number(row?.n);
}

describe.each(engines)('appendTransaction ($name)', (engine) => {
  let counted: ReturnType<typeof countingDatabase>;
  let ledger: Ledger;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await engine.create();
    drop = created.drop;
    counted = countingDatabase(created.db);
    ledger = await openLedger(counted);
  });
  afterAll(async () => {
    await drop?.();
  });

  // The strand lock, then the whole block (ledger.append_block): a single-document
  // transaction used to send six statements, and one more per completed tree node.
  it('sends two statements per transaction, the strand lock and the block, whatever its number of writes', async () => {
    for (const size of [1, 2, 50]) {
      const before = counted.statements.length;
      await ledger.write(Array.from({ length: size }, (_, i) => create(`two-statements-${size}-${i}`)));
      const sent = counted.statements.slice(before);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatch(/from ledger\.strands for update/);
      expect(sent[1]).toMatch(/ledger\.append_block/);
    }
    expect(await ledger.verifyJournal()).toMatchObject({ ok: true });
  });

  it('hashes the data of every write before it locks the strand', async () => {
    // Each document records how many statements had been sent when its data was first read.
    const firstReads: number[] = [];
    const before = counted.statements.length;
    const watched = (documentId: string) => {
      let read = false;
      return {
        get documentId() {
          if (!read) firstReads.push(counted.statements.length - before);
          read = true;
          return documentId;
        },
      };
    };
    await ledger.write([create('hashed-early-1', watched('1')), create('hashed-early-2', watched('2'))]);
    expect(firstReads).toEqual([0, 0]);
    expect((await ledger.current(TABLE, 'hashed-early-2'))?.data).toEqual({ documentId: '2' });
  });

  it('reports the first stale document with its stored version, and writes nothing', async () => {
    await ledger.write([create('stale-a'), create('stale-b')]);
    const blocks = await count(counted, 'ledger.blocks');
    const write = ledger.write([
      { tableName: TABLE, documentId: 'stale-new', data: {}, expectedVersion: null },
      { tableName: TABLE, documentId: 'stale-b', data: {}, expectedVersion: 4 },
      { tableName: TABLE, documentId: 'stale-a', data: {}, expectedVersion: null },
    ]);
    await expect(write).rejects.toThrow(
      'Ledger write to commitments/stale-b expected it at version 4, but it is at version 0; retry.',
    );
    expect(await count(counted, 'ledger.blocks')).toBe(blocks);
    expect(await ledger.current(TABLE, 'stale-new')).toBeNull();
  });

  it('refuses, in ledger.append_block, a block that does not extend the strand’s tip', async () => {
    await ledger.write([create('tip-moved')]);
    const [strand] = await counted.query(
      'select strand_id, tip_sequence_no, tip_block_hash from ledger.strands',
    );
    const next = Number(strand?.tip_sequence_no) + 1;
    const hash = Buffer.alloc(32, 7);
    const append = (sequenceNo: number, previous: Buffer) =>
      counted.transaction((tx) =>
        tx.query(
          `select ledger.append_block($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
             $16, $17, $18, $19, $20)`,
          [
            strand?.strand_id,
            sequenceNo,
            `forged-${sequenceNo}`,
            '2024-03-01T12:00:00.000Z',
            '{}',
            hash,
            previous,
            hash,
            [TABLE],
            ['forged'],
            [null],
            [TABLE],
            ['forged'],
            [0],
            ['{}'],
            [hash],
            [],
            [],
            [],
            hash,
          ],
        ),
      );
    const blocks = await count(counted, 'ledger.blocks');
    await expect(append(next, hash)).rejects.toThrow(/does not extend the tip/);
    await expect(append(next + 1, Buffer.from(strand?.tip_block_hash as Uint8Array))).rejects.toThrow(
      /not the next one/,
    );
    expect(await count(counted, 'ledger.blocks')).toBe(blocks);
    expect(await ledger.current(TABLE, 'forged')).toBeNull();
    expect(await ledger.verifyJournal()).toMatchObject({ ok: true });
  });
});
