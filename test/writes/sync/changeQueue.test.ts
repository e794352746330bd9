import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../../src/core/database.ts';
import { type ChangeQueue, createChangeQueue } from '../../../src/writes/sync/changeQueue.ts';
import { SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import { eventually } from '../../support/eventually.ts';

const LEASE = { leaseMs: 30_000 };

async function enqueue(db: Database, entityId: string): Promise<number> {
  const [row] = await db.query(
    `insert into figway.outbox (entity, entity_id, unit, stage, revision) values ('commitment', $1, 'Mutation.x', 'live', 1)
     returning id`,
    [entityId],
  );
  return Number(row?.id);
}

for (const engine of await testEngines()) {
  describe(`the change queue (${engine.name})`, () => {
    let database: Awaited<ReturnType<typeof engine.create>>;
    let queue: ChangeQueue;
    beforeAll(async () => {
      database = await engine.create();
      await applyMigrations(database.db, SYNC_MIGRATIONS);
    }, 60_000);
    afterAll(() => database?.drop());
    beforeEach(async () => {
      await database.db.query('delete from figway.outbox');
      queue = createChangeQueue({
        db: database.db,
        table: 'figway.outbox',
        madeAt: 'created_at',
        lockKey: 42,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 4 },
        random: () => 1,
      });
    });

    it('gives each entity to one claimer at a time, all of its due changes at once, oldest entities first', async () => {
      const a1 = await enqueue(database.db, 'a');
      const b1 = await enqueue(database.db, 'b');
      const a2 = await enqueue(database.db, 'a');
      const first = await queue.claim('one', { limit: 1, ...LEASE });
      expect(first.map((row) => row.id)).toEqual([a1, a2]);
      const second = await queue.claim('two', { limit: 10, ...LEASE });
      expect(second.map((row) => row.id)).toEqual([b1]);
      // A change of a held entity that arrives meanwhile waits for the holder.
      await enqueue(database.db, 'a');
      expect(await queue.claim('three', { limit: 10, ...LEASE })).toEqual([]);
      await queue.complete('one', [a1, a2]);
      expect((await queue.claim('three', { limit: 10, ...LEASE })).map((row) => row.entityId)).toEqual(['a']);
    });

    it('leaves alone what another claimer holds: complete, fail and release act on the owner’s claims only', async () => {
      const id = await enqueue(database.db, 'a');
      await queue.claim('owner', { limit: 10, ...LEASE });
      await queue.complete('someone else', [id]);
      await queue.release('someone else', [id]);
      await queue.fail('someone else', [{ id, error: 'x', poison: true }]);
      const [row] = await database.db.query('select claimed_by, attempts from figway.outbox where id = $1', [
        id,
      ]);
      expect(row).toEqual({ claimed_by: 'owner', attempts: 0 });
    });

    it('a claim whose lease lapsed is taken over', async () => {
      await enqueue(database.db, 'a');
      await queue.claim('crashed', { limit: 10, leaseMs: 1 });
      const taken = await eventually(
        () => queue.claim('next', { limit: 10, ...LEASE }),
        (rows) => rows.length > 0,
        2_000,
      );
      expect(taken.map((row) => row.entityId)).toEqual(['a']);
    });

    it('retries an unreachable side without end and sets a refused change aside after its attempts, its entity waiting behind it', async () => {
      const down = await enqueue(database.db, 'down');
      const refused = await enqueue(database.db, 'refused');
      const behind = await enqueue(database.db, 'refused');
      for (let round = 0; round < 4; round++) {
        const rows = await waitForClaim(queue, ['down']);
        expect(rows.map((row) => row.id)).toEqual([down]);
        await queue.fail(rows[0]?.row.claimed_by as string, [
          { id: down, error: 'ECONNREFUSED', poison: false },
        ]);
      }
      for (let round = 0; round < 2; round++) {
        const rows = await waitForClaim(queue, ['refused']);
        expect(rows.map((row) => row.id)).toEqual([refused, behind]);
        const owner = rows[0]?.row.claimed_by as string;
        await queue.fail(owner, [{ id: refused, error: 'violates check constraint', poison: true }]);
        await queue.release(owner, [behind]);
      }
      const status = await queue.status();
      expect(status.deadLetters.map((dead) => [dead.id, dead.attempts, dead.lastError])).toEqual([
        [refused, 2, 'violates check constraint'],
      ]);
      const [downRow] = await database.db.query(
        'select attempts, failures, dead_at from figway.outbox where id = $1',
        [down],
      );
      expect(downRow).toEqual({ attempts: 0, failures: 4, dead_at: null });
      // The later change of the refused entity waits behind its dead letter, in order.
      expect(await queue.entityState(['refused'])).toEqual({ pending: 1, retrying: 0, dead: 1 });
      expect(await queue.claim('any', { limit: 10, entityIds: ['refused'], ...LEASE })).toEqual([]);
      expect(await queue.retry(refused)).toBe(true);
      expect((await waitForClaim(queue, ['refused'])).map((row) => row.id)).toEqual([refused, behind]);
    });
  });
}

// Claims the entities' changes once their retry time has come (a few ms here).
function waitForClaim(queue: ChangeQueue, entityIds: readonly string[]) {
  return eventually(
    () => queue.claim(`claimer-${performance.now()}`, { limit: 10, entityIds, ...LEASE }),
    (rows) => rows.length > 0,
    2_000,
  );
}
