import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import { watchLedgerChanges } from '../../../src/backends/ledger/ledgerChangeEvents.ts';
import {
  createLedgerCommitments,
  type LedgerCommitments,
} from '../../../src/backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { createRequestBudget, withinRequestBudget } from '../../../src/backends/requestBudget.ts';
import type { ChangePublisher, CommitmentChange } from '../../../src/core/changeEvents.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import { countingDatabase } from '../../support/countingDatabase.ts';
import { eventually } from '../../support/eventually.ts';
import { ALICE_ID, BOB_ID, SERVICE, userViewer } from './commitmentLedgerFixture.ts';
import { steppingClock } from './ledgerFixture.ts';

const engines = await testEngines();
const TYPE_ID = '7e000000-0000-4000-8000-000000000001';
const PREVIOUS_READ = /from ledger\.revisions r/;

/** `db`, whose next `failures.left` reads of the revisions before a transaction's fail. */
function failingPreviousReads(db: Database): Database & { failures: { left: number } } {
  const failures = { left: 0 };
  return {
    ...db,
    failures,
    query<R extends Row = Row>(sql: string, params?: readonly unknown[]) {
      if (failures.left > 0 && PREVIOUS_READ.test(sql)) {
        failures.left -= 1;
        return Promise.reject(new Error('Connection terminated unexpectedly'));
      }
      return db.query<R>(sql, params);
    },
  };
}

/** A publisher that keeps what it is told, in order. */
function recordingPublisher(): ChangePublisher & { told: CommitmentChange[] } {
  const told: CommitmentChange[] = [];
  return { told, publish: (changes) => void told.push(...changes) };
}

/** The changes told of `id`, once there are `count` of them. */
function toldOf(publisher: { told: CommitmentChange[] }, id: string, count: number) {
  return eventually(
    async () => publisher.told.filter((change) => change.commitmentId === id),
    (changes) => changes.length >= count,
    5_000,
  );
}

describe.each(engines)('watchLedgerChanges ($name)', (engine) => {
  let drop: () => Promise<void>;
  let counted: ReturnType<typeof countingDatabase>;
  let faulty: ReturnType<typeof failingPreviousReads>;
  let ledger: Ledger;
  let commitments: LedgerCommitments;
  const listenerErrors: unknown[] = [];

  beforeAll(async () => {
    const created = await engine.create();
    drop = created.drop;
    counted = countingDatabase(created.db);
    const { clock } = steppingClock();
    faulty = failingPreviousReads(counted);
    ledger = await openLedger(faulty, { clock, onListenerError: (error) => listenerErrors.push(error) });
    commitments = createLedgerCommitments(ledger, { clock });
  });
  afterAll(async () => {
    await drop?.();
  });

  const create = (title: string) =>
    commitments.createCommitment(userViewer(ALICE_ID), {
      title,
      description: '',
      typeId: TYPE_ID,
      terms: '',
    });

  it('tells a create, a status change, a party and a document, each with its version, actor and commit time', async () => {
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(ledger, publisher, (error) => errors.push(error));
    const alice = userViewer(ALICE_ID);
    const { id } = await create('Lend the ladder');
    await commitments.updateCommitmentStatus(alice, id, 'DRAFT', 'PROPOSED');
    await commitments.addParty(alice, id, BOB_ID, 'PARTICIPANT');
    await commitments.attachDocument(SERVICE, id, 'minutes.pdf', 'https://files.example.com/minutes.pdf');
    const told = await toldOf(publisher, id, 4);
    stop();

    const times = (await ledger.history<CommitmentDocument>(COMMITMENTS, id)).map(
      (revision) => revision.metadata.txTime,
    );
    const change = (version: number, activities: CommitmentChange['activities'], actorId: string | null) => ({
      id: `target:${id}:${version}`,
      source: 'target',
      commitmentId: id,
      activities,
      actorId,
      at: times[version],
    });
    expect(told).toEqual([
      // The creator seated with the commitment is part of CREATED, not a PARTY_ADDED.
      change(0, [{ kind: 'CREATED' }], ALICE_ID),
      change(1, [{ kind: 'STATUS_CHANGED' }], ALICE_ID),
      change(2, [{ kind: 'PARTY_ADDED', profileId: BOB_ID }], ALICE_ID),
      // service_role carries no user.
      change(3, [{ kind: 'DOCUMENT_ATTACHED' }], null),
    ]);
    expect(errors).toEqual([]);
  });

  it('tells a block of several revisions in revision order, reading the revisions before them in one query', async () => {
    const first = await create('First');
    const second = await create('Second');
    const [one, two] = await Promise.all([
      ledger.current<CommitmentDocument>(COMMITMENTS, first.id),
      ledger.current<CommitmentDocument>(COMMITMENTS, second.id),
    ]);
    if (one === null || two === null) throw new Error('the commitments were not written');
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(ledger, publisher, (error) => errors.push(error));
    const reads = () => counted.statements.filter((sql) => PREVIOUS_READ.test(sql)).length;
    const readsBefore = reads();
    const active = { ...one.data, status: 'ACTIVE' as const };
    const retitled = { ...two.data, title: 'Second, retitled' };
    // The second revision of `first` follows one written in the same block.
    const appended = await ledger.write([
      { tableName: COMMITMENTS, documentId: first.id, data: active, expectedVersion: 0, actor: BOB_ID },
      { tableName: COMMITMENTS, documentId: second.id, data: retitled, expectedVersion: 0 },
      {
        tableName: COMMITMENTS,
        documentId: first.id,
        data: { ...active, status: 'FULFILLED' },
        expectedVersion: 1,
        actor: ALICE_ID,
      },
      { tableName: 'drafts', documentId: first.id, data: {}, expectedVersion: null, actor: ALICE_ID },
    ]);
    await eventually(
      async () => publisher.told.length,
      (length) => length >= 3,
      5_000,
    );
    stop();

    expect(appended.actors).toEqual([BOB_ID, null, ALICE_ID, ALICE_ID]);
    const at = appended.revisions[0]?.metadata.txTime;
    expect(publisher.told).toEqual([
      {
        id: `target:${first.id}:1`,
        source: 'target',
        commitmentId: first.id,
        activities: [{ kind: 'STATUS_CHANGED' }],
        actorId: BOB_ID,
        at,
      },
      // A title edit is told, with no activity.
      {
        id: `target:${second.id}:1`,
        source: 'target',
        commitmentId: second.id,
        activities: [],
        actorId: null,
        at,
      },
      {
        id: `target:${first.id}:2`,
        source: 'target',
        commitmentId: first.id,
        activities: [{ kind: 'STATUS_CHANGED' }],
        actorId: ALICE_ID,
        at,
      },
    ]);
    expect(reads() - readsBefore).toBe(1);
    expect(errors).toEqual([]);
  });

  it('reads the revision before outside the writing request, whose time budget may run out right after the write', async () => {
    const { id } = await create('Written near the deadline');
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(ledger, publisher, (error) => errors.push(error));
    let now = 0;
    const budget = createRequestBudget(1_000, () => now);
    // Heard right after the watcher's own listener, before its read starts: the budget is spent.
    const spend = ledger.onCommitted(() => {
      now = 2_000;
    });
    await withinRequestBudget(budget, () =>
      commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'DRAFT', 'PROPOSED'),
    );
    expect(budget.spent()).toBe(true);
    const told = await toldOf(publisher, id, 1);
    spend();
    stop();
    expect(told.map((change) => [change.id, change.activities])).toEqual([
      [`target:${id}:1`, [{ kind: 'STATUS_CHANGED' }]],
    ]);
    expect(errors).toEqual([]);
  });

  it('reads the revision before again when a read fails, and tells the change once', async () => {
    const { id } = await create('Written while the connection drops');
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(ledger, publisher, (error) => errors.push(error));
    faulty.failures.left = 2;
    await commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'DRAFT', 'PROPOSED');
    const told = await toldOf(publisher, id, 1);
    stop();
    expect(faulty.failures.left).toBe(0);
    expect(told.map((change) => [change.id, change.activities])).toEqual([
      [`target:${id}:1`, [{ kind: 'STATUS_CHANGED' }]],
    ]);
    expect(errors).toEqual([]);
  });

  it('gives a change up, reported, when every read fails, and tells the next one', async () => {
    const { id } = await create('Written while the database is away');
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(ledger, publisher, (error) => errors.push(error));
    faulty.failures.left = 3;
    await commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'DRAFT', 'PROPOSED');
    await eventually(
      async () => errors.length,
      (count) => count > 0,
      5_000,
    );
    await commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'PROPOSED', 'ACTIVE');
    const told = await toldOf(publisher, id, 1);
    stop();
    expect(errors).toEqual([new Error('Connection terminated unexpectedly')]);
    expect(told.map((change) => change.id)).toEqual([`target:${id}:2`]);
  });

  it('never fails a write: a listener that throws and a publisher that throws are reported, and later writes are told', async () => {
    const removeThrowing = ledger.onCommitted(() => {
      throw new Error('listener broke');
    });
    let failing = true;
    const publisher = recordingPublisher();
    const errors: unknown[] = [];
    const stop = watchLedgerChanges(
      ledger,
      {
        publish(changes) {
          if (failing) throw new Error('publisher broke');
          publisher.publish(changes);
        },
      },
      (error) => errors.push(error),
    );
    const listenerErrorsBefore = listenerErrors.length;

    const { id } = await create('Written while everyone breaks');
    expect((await ledger.current<CommitmentDocument>(COMMITMENTS, id))?.metadata.version).toBe(0);
    expect(listenerErrors.slice(listenerErrorsBefore)).toEqual([new Error('listener broke')]);
    await eventually(
      async () => errors,
      (reported) => reported.length > 0,
      5_000,
    );
    expect(errors).toEqual([new Error('publisher broke')]);

    removeThrowing();
    failing = false;
    await commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'DRAFT', 'PROPOSED');
    const told = await toldOf(publisher, id, 1);
    expect(told.map((change) => [change.id, change.activities])).toEqual([
      [`target:${id}:1`, [{ kind: 'STATUS_CHANGED' }]],
    ]);
    expect(listenerErrors.length).toBe(listenerErrorsBefore + 1);

    stop();
    // A watcher added after the stopped one hears the next write; the stopped one, whose
    // read would have been issued first, tells nothing.
    const control = recordingPublisher();
    const stopControl = watchLedgerChanges(ledger, control, (error) => errors.push(error));
    await commitments.updateCommitmentStatus(userViewer(ALICE_ID), id, 'PROPOSED', 'ACTIVE');
    expect((await toldOf(control, id, 1)).map((change) => change.id)).toEqual([`target:${id}:2`]);
    stopControl();
    expect(publisher.told.filter((change) => change.commitmentId === id)).toHaveLength(1);
  });
});
