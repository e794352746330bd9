// Legacy changes told as commitment changes, and a sync pass publishing what it claims before it applies it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { watchLedgerChanges } from '../../../src/backends/ledger/ledgerChangeEvents.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import type { ChangePublisher, CommitmentChange } from '../../../src/core/changeEvents.ts';
import { createGatewayMetrics } from '../../../src/reports/gatewayMetrics.ts';
import { createSync, type Sync } from '../../../src/writes/sync/createSync.ts';
import { legacyCommitmentChanges } from '../../../src/writes/sync/legacyChangeEvents.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import { capture, demoId } from '../../support/capturedChanges.ts';
import { captureLogs } from '../../support/capturedLogs.ts';
import { eventually } from '../../support/eventually.ts';
import {
  ALICE,
  asUser,
  BOB,
  LOAN,
  legacyChange,
  notingWrites,
  queued,
  recordingPublisher,
  unreachableLedger,
} from './legacyChangeEventsFixture.ts';

const engines = await testEngines();

describe.each(engines)('legacy change events ($name)', (engine) => {
  let fixture: MigrationFixture;
  const syncs: Sync[] = [];
  const newSync = (ledger: Ledger, publish: ChangePublisher, logger = captureLogs('warn').logger) => {
    const sync = createSync(
      { legacyDb: fixture.legacy, ledger, oltp: fixture.oltp },
      {
        metrics: createGatewayMetrics(),
        logger,
        publish,
        retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      },
    );
    syncs.push(sync);
    return sync;
  };
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine, { backfill: true });
    await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    await applyMigrations(fixture.oltp.db, SYNC_MIGRATIONS);
  });
  afterAll(async () => {
    await Promise.all(syncs.map((sync) => sync.stop()));
    await fixture?.drop();
  });

  it('tells a plain-SQL status update as STATUS_CHANGED, from the row before it', async () => {
    const id = demoId(0);
    const changes = await capture(fixture.legacy, () =>
      fixture.legacy.query("update public.commitments set status = 'PROPOSED' where id = $1", [id]),
    );
    const [update] = changes;
    if (update === undefined) throw new Error('nothing captured');
    expect(update.before).toMatchObject({ id, status: 'DRAFT' });
    expect(update.rowData).toMatchObject({ id, status: 'PROPOSED' });

    expect(legacyCommitmentChanges(changes)).toEqual([
      legacyChange(update, [{ kind: 'STATUS_CHANGED' }], null),
    ]);
  });

  it('tells a commitment created with its creator party as one CREATED, by its user', async () => {
    const changes = await capture(fixture.legacy, () =>
      asUser(fixture.legacy, ALICE, [
        [
          'insert into public.commitments (title, type_id, created_by) values ($1, $2, $3)',
          ['Lend the ladder', LOAN, ALICE],
        ],
      ]),
    );
    expect(changes.map((change) => [change.tableName, change.operation, change.before])).toEqual([
      ['commitments', 'INSERT', null],
      ['commitment_parties', 'INSERT', null],
    ]);
    const [created] = changes;
    if (created === undefined) throw new Error('nothing captured');

    expect(legacyCommitmentChanges(changes)).toEqual([legacyChange(created, [{ kind: 'CREATED' }], ALICE)]);
  });

  it('tells a party added and a document attached, one change per transaction, in order', async () => {
    const id = demoId(0);
    const changes = await capture(fixture.legacy, async () => {
      await asUser(fixture.legacy, ALICE, [
        [
          "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'PARTICIPANT')",
          [id, BOB],
        ],
      ]);
      await asUser(fixture.legacy, BOB, [
        [
          'insert into public.commitment_documents (commitment_id, name, url, uploaded_by) values ($1, $2, $3, $4)',
          [id, 'schedule.pdf', 'https://files.example.com/schedule.pdf', BOB],
        ],
      ]);
    });
    const [party, document] = changes;
    if (party === undefined || document === undefined) throw new Error('expected two captured changes');

    expect(legacyCommitmentChanges(changes)).toEqual([
      legacyChange(party, [{ kind: 'PARTY_ADDED', profileId: BOB }], ALICE),
      legacyChange(document, [{ kind: 'DOCUMENT_ATTACHED' }], BOB),
    ]);
  });

  it('tells a title edit with no activity, one change per commitment of a transaction, and the mirror’s own writes', async () => {
    const [first, second] = [demoId(1), demoId(2)];
    const changes = await capture(fixture.legacy, async () => {
      await asUser(fixture.legacy, ALICE, [
        ["update public.commitments set title = 'Retitled' where id = $1", [second]],
        ["update public.commitments set status = 'ACTIVE' where id = $1", [first]],
        ["update public.profiles set display_name = 'Alice A.' where id = $1", [ALICE]],
        ["update public.commitments set title = 'Retitled again' where id = $1", [second]],
      ]);
      await asUser(
        fixture.legacy,
        BOB,
        [["update public.commitments set status = 'FULFILLED' where id = $1", [first]]],
        'mirror',
      );
    });
    const [retitled, activated, , , fulfilled] = changes;
    if (retitled === undefined || activated === undefined || fulfilled === undefined)
      throw new Error('expected five captured changes');
    expect(fulfilled.origin).toBe('mirror');

    // Out of order on the way in: the feed orders by change id.
    expect(legacyCommitmentChanges([...changes].reverse())).toEqual([
      legacyChange(retitled, [], ALICE),
      legacyChange(activated, [{ kind: 'STATUS_CHANGED' }], ALICE),
      legacyChange(fulfilled, [{ kind: 'STATUS_CHANGED' }], BOB),
    ]);
  });

  it('publishes what a sync pass claims before applying it; the ledger revisions carry the legacy user', async () => {
    const id = demoId(3);
    await asUser(fixture.legacy, BOB, [
      ["update public.commitments set terms = 'Weekly' where id = $1", [id]],
    ]);
    const expected = legacyCommitmentChanges(await queued(fixture.legacy));
    expect(expected.map((change) => change.commitmentId)).toContain(id);
    const order: string[] = [];
    const publisher = recordingPublisher(order);
    const target = { told: [] as CommitmentChange[], errors: [] as unknown[] };
    const stopWatching = watchLedgerChanges(
      fixture.ledger,
      { publish: (changes) => void target.told.push(...changes) },
      (error) => target.errors.push(error),
    );

    const sync = newSync(notingWrites(fixture.ledger, order), publisher);
    expect(await sync.drain()).toBeGreaterThan(0);
    expect(publisher.told).toEqual(expected);
    expect(order[0]).toBe('publish');
    expect(order).toContain('apply');
    expect(await queued(fixture.legacy)).toEqual([]);
    const onTarget = await eventually(
      async () => target.told.filter((change) => change.commitmentId === id),
      (changes) => changes.length > 0,
      5_000,
    );
    stopWatching();
    expect(onTarget.map((change) => [change.source, change.activities, change.actorId])).toEqual([
      ['target', [], BOB],
    ]);
    expect(target.errors).toEqual([]);
  });

  it('logs a publisher that throws and applies the changes anyway', async () => {
    const id = demoId(4);
    await fixture.legacy.query("update public.commitments set title = 'Told to nobody' where id = $1", [id]);
    const logs = captureLogs('warn');
    const sync = newSync(
      fixture.ledger,
      {
        publish() {
          throw new Error('the feed is down');
        },
      },
      logs.logger,
    );

    expect(await sync.drain()).toBe(1);
    expect(await queued(fixture.legacy)).toEqual([]);
    const line = await logs.waitFor((entry) => entry.msg === 'could not tell the claimed legacy changes');
    expect(line.err).toMatchObject({ message: 'the feed is down' });
  });

  it('publishes while the target is down, and again, under the same id, when the change is claimed again', async () => {
    const id = demoId(5);
    const changes = await capture(fixture.legacy, () =>
      asUser(fixture.legacy, ALICE, [
        ["update public.commitments set status = 'CANCELLED' where id = $1", [id]],
      ]),
    );
    const [cancelled] = changes;
    if (cancelled === undefined) throw new Error('nothing captured');
    const expected = [legacyChange(cancelled, [{ kind: 'STATUS_CHANGED' }], ALICE)];
    const down = await unreachableLedger(engine);
    try {
      const order: string[] = [];
      const publisher = recordingPublisher(order);
      const sync = newSync(notingWrites(down.ledger, order), publisher);
      // The write's own mirror (appliers off) claims its commitment's changes; the target refuses.
      await expect(
        sync.mirror.mirror({
          unit: 'Mutation.updateCommitmentStatus',
          stage: 'dualwrite',
          to: 'target',
          args: {},
          result: { id },
        }),
      ).rejects.toThrow(/not mirrored to target at once/);
      expect(publisher.told).toEqual(expected);
      expect(order).toEqual(['publish']);
      const [stillQueued] = await fixture.legacy.query(
        'select last_error from figway.legacy_changes where id = $1 and dead_at is null',
        [cancelled.id],
      );
      expect(stillQueued?.last_error).toEqual(expect.any(String));
    } finally {
      await down.close();
    }

    const publisher = recordingPublisher([]);
    const sync = newSync(fixture.ledger, publisher);
    await eventually(
      () => sync.drain(),
      (handled) => handled > 0,
      5_000,
    );
    expect(publisher.told).toEqual(expected);
    expect(await queued(fixture.legacy)).toEqual([]);
  });
});
