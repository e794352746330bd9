import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createLegacyDatabase } from '../../../harness/legacyDatabase.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import { DEMO_TYPES } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { findDemoUser } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { CommitmentChange } from '../../../src/core/changeEvents.ts';
import type { Database } from '../../../src/core/database.ts';
import { createRateLimitedLog } from '../../../src/reports/rateLimitedLog.ts';
import { startLegacyFeed } from '../../../src/writes/sync/legacyFeed.ts';
import { CAPTURE_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import { demoId } from '../../support/capturedChanges.ts';
import { eventually } from '../../support/eventually.ts';

for (const engine of await testEngines()) {
  // The fast path alone: no applier runs, so whatever is published came from the feed.
  describe(`legacy's change feed, before any applier claims the changes (${engine.name})`, () => {
    let legacy: { db: Database; drop(): Promise<void> };
    let stop: () => Promise<void>;
    const published: CommitmentChange[] = [];

    beforeAll(async () => {
      legacy = await createLegacyDatabase(engine);
      await applyMigrations(legacy.db, CAPTURE_MIGRATIONS);
      // A change captured before the feed starts is the appliers' to publish, not the feed's.
      await legacy.db.query(`update public.commitments set title = 'before the feed' where id = $1`, [
        demoId(0),
      ]);
      stop = await startLegacyFeed(
        legacy.db,
        { publish: (changes) => void published.push(...changes) },
        createRateLimitedLog({ logger: pino({ level: 'silent' }) }),
      );
    });
    afterAll(async () => {
      await stop?.();
      await legacy?.drop();
    });

    it('publishes each committed change as its NOTIFY arrives, in order, once', async () => {
      for (const title of ['first', 'second', 'third'])
        await legacy.db.query('update public.commitments set title = $2 where id = $1', [demoId(1), title]);
      await legacy.db.query(`update public.commitments set status = 'CANCELLED' where id = $1`, [demoId(2)]);
      await eventually(
        async () => published.length,
        (count) => count >= 4,
        10_000,
      );
      expect(published.map((change) => change.commitmentId)).toEqual([
        demoId(1),
        demoId(1),
        demoId(1),
        demoId(2),
      ]);
      expect(new Set(published.map((change) => change.id)).size).toBe(4);
      expect(published.at(-1)?.activities).toEqual([{ kind: 'STATUS_CHANGED' }]);
      expect(published.every((change) => change.source === 'legacy')).toBe(true);
    });

    // Ids are handed out before commit: one transaction's rows can straddle another's.
    // Two transactions at once need two connections: PostgreSQL only (PGlite has one).
    if (engine.name === 'postgres')
      it('publishes a transaction whole when another committed between its rows', async () => {
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let started: () => void = () => {};
        const begun = new Promise<void>((resolve) => {
          started = resolve;
        });
        const id = crypto.randomUUID();
        const straddling = legacy.db.transaction(async (tx) => {
          await tx.query(
            `insert into public.commitments (id, title, type_id, created_by) values ($1, 'straddling', $2, $3)`,
            [id, DEMO_TYPES[0].id, findDemoUser('alice')?.id],
          );
          started();
          await held;
          await tx.query(
            `insert into public.commitment_documents (commitment_id, name, url) values ($1, 'late.pdf', 'https://example.com/l')`,
            [id],
          );
        });
        await begun;
        await legacy.db.query(`update public.commitments set title = 'in between' where id = $1`, [
          demoId(4),
        ]);
        await eventually(
          async () => published.some((change) => change.commitmentId === demoId(4)),
          Boolean,
          10_000,
        );
        release();
        await straddling;
        const told = await eventually(
          async () => published.filter((change) => change.commitmentId === id),
          (changes) => changes.length > 0,
          10_000,
        );
        expect(told).toHaveLength(1);
        expect(told[0]?.activities).toEqual([{ kind: 'CREATED' }, { kind: 'DOCUMENT_ATTACHED' }]);
      });

    // T1 changes a commitment and stays open; T0, unrelated, commits after it and is told;
    // T2 waits on T1's row lock and commits after it. T1 must still be told first.
    if (engine.name === 'postgres')
      it("tells a commitment's changes in commit order when a later id committed first", async () => {
        const commitment = demoId(5);
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let changed: (xid: string) => void = () => {};
        const first = new Promise<string>((resolve) => {
          changed = resolve;
        });
        const t1 = legacy.db.transaction(async (tx) => {
          const [row] = await tx.query(`select pg_current_xact_id()::text as xid`);
          await tx.query(`update public.commitments set title = 'T1' where id = $1`, [commitment]);
          changed(String(row?.xid));
          await held;
        });
        const t1Xid = await first;
        await legacy.db.query(`update public.commitments set title = 'T0' where id = $1`, [demoId(6)]);
        await eventually(
          async () => published.some((change) => change.commitmentId === demoId(6)),
          Boolean,
          10_000,
        );
        let t2Xid = '';
        const t2 = legacy.db.transaction(async (tx) => {
          const [row] = await tx.query(`select pg_current_xact_id()::text as xid`);
          t2Xid = String(row?.xid);
          await tx.query(`update public.commitments set title = 'T2' where id = $1`, [commitment]);
        });
        // T2 is waiting for T1's row lock before T1 commits.
        await eventually(
          async () =>
            legacy.db.query(
              `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%''T2''%'`,
            ),
          (rows) => rows.length === 1,
          10_000,
        );
        release();
        await Promise.all([t1, t2]);
        const told = await eventually(
          async () => published.filter((change) => change.commitmentId === commitment),
          (changes) => changes.length >= 2,
          10_000,
        );
        expect(told.map((change) => change.id)).toEqual([
          `legacy:${t1Xid}:${commitment}`,
          `legacy:${t2Xid}:${commitment}`,
        ]);
      });

    it('reads nothing again after it stopped', async () => {
      await stop();
      const before = published.length;
      await legacy.db.query(`update public.commitments set title = 'after the stop' where id = $1`, [
        demoId(3),
      ]);
      // The change is captured (the queue holds it for the appliers), and the stopped feed told nobody.
      const [row] = await legacy.db.query(
        `select count(*)::int as n from figway.legacy_changes where entity_id = $1 and row_data ->> 'title' = 'after the stop'`,
        [demoId(3)],
      );
      expect(row?.n).toBe(1);
      expect(published.length).toBe(before);
    });
  });
}
