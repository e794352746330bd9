import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import { LEGACY_MIGRATIONS } from '../../../src/backends/supabase/legacyMigrations.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import { type PruneDeps, pruneAppliedChanges } from '../../../src/writes/sync/pruneAppliedChanges.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';

type Records = 'applied_changes' | 'applied_outbox';

const KEY: Record<Records, string> = { applied_changes: 'change_id', applied_outbox: 'outbox_id' };

// Records ids `from`..`to`, applied `daysAgo` days ago.
async function record(
  db: Database,
  table: Records,
  from: number,
  to: number,
  daysAgo: number,
): Promise<void> {
  await db.query(
    `insert into figway.${table} (${KEY[table]}, applied_at)
     select id, now() - $3::int * interval '1 day' from generate_series($1::bigint, $2::bigint) as id`,
    [from, to, daysAgo],
  );
}

async function recorded(db: Database, table: Records): Promise<number[]> {
  const rows = await db.query(`select ${KEY[table]} as id from figway.${table} order by 1`);
  return rows.map((row) => Number(row.id));
}

function ids(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

// `db`, with the parameters of every statement it runs pushed onto `seen`.
function watched(db: Database, seen: unknown[][]): Database {
  return {
    engine: db.engine,
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => {
      seen.push([...(params ?? [])]);
      return db.query<R>(sql, params);
    },
    transaction: (fn) => db.transaction(fn),
    pipeline: (statements) => db.pipeline(statements),
    exec: (script) => db.exec(script),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}

// The longest list among the parameters seen (0 when none is a list).
function longestList(seen: readonly unknown[][]): number {
  return Math.max(0, ...seen.flat().map((param) => (Array.isArray(param) ? param.length : 0)));
}

// Queues `count` changes captured, and `count` outbox rows created, 9 days ago; returns their ids.
async function queueOld(
  legacyDb: Database,
  ledgerDb: Database,
  count: number,
): Promise<[number[], number[]]> {
  const changes = await legacyDb.query(
    `insert into figway.legacy_changes (entity, entity_id, table_name, operation, row_data, origin, captured_at)
     select 'profile', gen_random_uuid(), 'profiles', 'UPDATE', '{}', 'legacy', now() - interval '9 days'
     from generate_series(1, $1::int) returning id`,
    [count],
  );
  const entries = await ledgerDb.query(
    `insert into figway.outbox (entity, entity_id, unit, stage, revision, created_at)
     select 'commitment', 'c', 'Mutation.x', 'live', 1, now() - interval '9 days'
     from generate_series(1, $1::int) returning id`,
    [count],
  );
  const sorted = (rows: Row[]) => rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  return [sorted(changes), sorted(entries)];
}

for (const engine of await testEngines()) {
  describe(`pruneAppliedChanges (${engine.name})`, () => {
    // legacy: the Connect tables, change capture, and (for the embedded shape) the
    // target's tables too; target: the ledger's and the OLTP service's database.
    let legacy: Awaited<ReturnType<typeof engine.create>>;
    let target: Awaited<ReturnType<typeof engine.create>>;
    let separate: PruneDeps;

    beforeAll(async () => {
      [legacy, target] = await Promise.all([engine.create(), engine.create()]);
      await applyMigrations(legacy.db, LEGACY_MIGRATIONS);
      await applyMigrations(legacy.db, CAPTURE_MIGRATIONS);
      await applyMigrations(legacy.db, SYNC_MIGRATIONS);
      await applyMigrations(target.db, SYNC_MIGRATIONS);
      separate = { legacyDb: legacy.db, ledgerDb: target.db, oltpDb: target.db };
    }, 60_000);
    afterAll(async () => {
      await legacy?.drop();
      await target?.drop();
    });
    beforeEach(async () => {
      for (const db of [legacy.db, target.db])
        await db.exec('delete from figway.applied_changes; delete from figway.outbox');
      await legacy.db.exec('delete from figway.applied_outbox; delete from figway.legacy_changes');
    });

    it('deletes the records older than the given days from each database, in batches, and keeps the recent ones', async () => {
      await record(target.db, 'applied_changes', 1, 25, 8);
      await record(target.db, 'applied_changes', 26, 30, 0);
      await record(legacy.db, 'applied_outbox', 1, 12, 8);
      await record(legacy.db, 'applied_outbox', 13, 15, 6);
      // legacy's own applied_changes is not one of the databases named: left alone.
      await record(legacy.db, 'applied_changes', 1, 3, 8);

      expect(await pruneAppliedChanges(separate, 7, { batchSize: 10 })).toBe(25 + 12);

      expect(await recorded(target.db, 'applied_changes')).toEqual(ids(26, 30));
      expect(await recorded(legacy.db, 'applied_outbox')).toEqual(ids(13, 15));
      expect(await recorded(legacy.db, 'applied_changes')).toEqual(ids(1, 3));
      expect(await pruneAppliedChanges(separate, 7, { batchSize: 10 })).toBe(0);
    });

    it('prunes both tables of one database that holds them all (the embedded default)', async () => {
      const embedded = { legacyDb: legacy.db, ledgerDb: legacy.db, oltpDb: legacy.db };
      await record(legacy.db, 'applied_changes', 1, 4, 8);
      await record(legacy.db, 'applied_changes', 5, 6, 1);
      await record(legacy.db, 'applied_outbox', 1, 3, 8);

      expect(await pruneAppliedChanges(embedded, 7)).toBe(4 + 3);

      expect(await recorded(legacy.db, 'applied_changes')).toEqual([5, 6]);
      expect(await recorded(legacy.db, 'applied_outbox')).toEqual([]);
    });

    it('keeps the records of changes still queued, however old', async () => {
      const [change] = await legacy.db.query(
        `insert into figway.legacy_changes (entity, entity_id, table_name, operation, row_data, origin, captured_at)
         values ('profile', gen_random_uuid(), 'profiles', 'UPDATE', '{}', 'legacy', now() - interval '9 days')
         returning id`,
      );
      const [entry] = await target.db.query(
        `insert into figway.outbox (entity, entity_id, unit, stage, revision, created_at)
         values ('commitment', 'c', 'Mutation.x', 'live', 1, now() - interval '9 days') returning id`,
      );
      const changeId = Number(change?.id);
      const outboxId = Number(entry?.id);
      await record(target.db, 'applied_changes', changeId, changeId, 8);
      await record(target.db, 'applied_changes', changeId + 1, changeId + 2, 8);
      await record(legacy.db, 'applied_outbox', outboxId, outboxId, 8);
      await record(legacy.db, 'applied_outbox', outboxId + 1, outboxId + 1, 8);

      expect(await pruneAppliedChanges(separate, 7)).toBe(3);

      expect(await recorded(target.db, 'applied_changes')).toEqual([changeId]);
      expect(await recorded(legacy.db, 'applied_outbox')).toEqual([outboxId]);
    });

    it('deletes nothing once aborted, and refuses a negative number of days', async () => {
      await record(target.db, 'applied_changes', 1, 5, 8);
      const abort = new AbortController();
      abort.abort();
      expect(await pruneAppliedChanges(separate, 7, { signal: abort.signal })).toBe(0);
      expect(await recorded(target.db, 'applied_changes')).toEqual(ids(1, 5));
      await expect(pruneAppliedChanges(separate, -1)).rejects.toThrow(RangeError);
    });

    for (const shape of ['separate', 'embedded'] as const) {
      it(`keeps the records of 20,000 old changes still queued and prunes the rest, with no list longer than a batch (${shape})`, async () => {
        const targetRaw = shape === 'separate' ? target.db : legacy.db;
        const seen: unknown[][] = [];
        const legacyDb = watched(legacy.db, seen);
        const targetDb = shape === 'separate' ? watched(target.db, seen) : legacyDb;
        const [changes, entries] = await queueOld(legacy.db, targetRaw, 25_000);
        // Every queued change and outbox row has a record 8 days old, and so do 3 past the
        // queues' ends; every fifth left its queue: 20,000 of each stay queued.
        await record(targetRaw, 'applied_changes', changes[0] ?? 1, (changes.at(-1) ?? 0) + 3, 8);
        await record(legacy.db, 'applied_outbox', entries[0] ?? 1, (entries.at(-1) ?? 0) + 3, 8);
        const fifth = (queued: number[]) => queued.filter((_, index) => index % 5 === 4);
        await legacy.db.query('delete from figway.legacy_changes where id = any($1::bigint[])', [
          fifth(changes),
        ]);
        await targetRaw.query('delete from figway.outbox where id = any($1::bigint[])', [fifth(entries)]);
        const left = (queued: number[]) => queued.filter((_, index) => index % 5 !== 4);
        const batchSize = 1_000;

        const deps = { legacyDb, ledgerDb: targetDb, oltpDb: targetDb };
        expect(await pruneAppliedChanges(deps, 7, { batchSize })).toBe(2 * (5_000 + 3));

        expect(await recorded(targetRaw, 'applied_changes')).toEqual(left(changes));
        expect(await recorded(legacy.db, 'applied_outbox')).toEqual(left(entries));
        expect(left(changes)).toHaveLength(20_000);
        expect(seen.length).toBeGreaterThan(0);
        // Beside its queue the exclusion is SQL alone; apart from it, a batch's keys at most.
        expect(longestList(seen)).toBeLessThanOrEqual(shape === 'separate' ? batchSize : 0);
      }, 60_000);
    }
  });
}
