import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverTransaction, LedgerDriver } from '../../../../src/backends/ledger/driver/ledgerDriver.ts';
import {
  createDriverCommitments,
  MIRROR_NEEDS_IN_PROCESS_LEDGER,
} from '../../../../src/backends/ledger/driver/qldbDriverCommitments.ts';
import { verifyDriverCommitment } from '../../../../src/backends/ledger/driver/verifyDriverCommitment.ts';
import { createLedgerCommitments } from '../../../../src/backends/ledger/ledgerCommitments.ts';
import { toBase64 } from '../../../../src/backends/ledger/ledgerHash.ts';
import { verifyCommitment } from '../../../../src/backends/ledger/verifyCommitment.ts';
import { createRequestBudget, withinRequestBudget } from '../../../../src/backends/requestBudget.ts';
import { DEMO_COMMITMENTS, DEMO_TYPES } from '../../../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../../../src/backends/supabase/seed/demoUsers.ts';
import { ANONYMOUS, SERVICE_ROLE, type Viewer } from '../../../../src/backends/viewer.ts';
import { withWriteIntent } from '../../../../src/core/writeIntent.ts';
import { ErrorCode } from '../../../../src/errors.ts';
import { tamper } from '../ledgerFixture.ts';
import { createDriverFixture, type DriverFixture } from './driverFixture.ts';

function user(username: string): Viewer {
  const found = DEMO_USERS.find((candidate) => candidate.username === username);
  if (found === undefined) throw new Error(`no demo user ${username}`);
  return { kind: 'user', id: found.id, email: null, cohort: null, claims: { sub: found.id }, token: '' };
}

const alice = user('alice');
const bob = user('bob');
const input = { title: 'Fence repair', description: 'd', typeId: DEMO_TYPES[0].id, terms: 't' };
// Alice's, with bob as its participant.
const SHARED = DEMO_COMMITMENTS[2];
if (SHARED === undefined) throw new Error('no demo commitment 2');

/**
 * `driver` with the first attempts of `parties` transactions held after their first
 * statement until all of them have run it: they all read before any commits, so all but
 * one must lose an OCC conflict. Counts every attempt (reruns included).
 */
function contended(driver: LedgerDriver, parties: number) {
  let attempts = 0;
  let arrived = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const wrapped: LedgerDriver = {
    ...driver,
    transaction: (work) =>
      driver.transaction((txn) => {
        attempts += 1;
        let held = attempts <= parties;
        const gated: DriverTransaction = {
          async execute(statement, ...parameters) {
            const values = await txn.execute(statement, ...parameters);
            if (held) {
              held = false;
              arrived += 1;
              if (arrived === parties) release();
              await gate;
            }
            return values;
          },
        };
        return work(gated);
      }),
  };
  return { driver: wrapped, attempts: () => attempts };
}

describe('the ledger over amazon-qldb-driver-nodejs (figway ledger serve on PostgreSQL)', () => {
  let fixture: DriverFixture;
  beforeAll(async () => {
    fixture = await createDriverFixture();
  }, 60_000);
  afterAll(() => fixture?.drop());

  describe('writes that must be mirrored to legacy', () => {
    const live = { unit: 'Mutation.updateCommitmentStatus', stage: 'live', mirrorTo: 'legacy' } as const;

    it('refuses them at live and rampdown, naming the in-process ledger, and commits nothing', async () => {
      const before = await fixture.ledger.getDigest();
      const [commitment] = await fixture.commitments.commitmentsByIds(alice, [SHARED.id]);
      const status = commitment?.status ?? 'DRAFT';
      const refused = withWriteIntent(live, () =>
        fixture.commitments.updateCommitmentStatus(alice, SHARED.id, status, 'CANCELLED'),
      );
      await expect(refused).rejects.toMatchObject({
        code: ErrorCode.BACKEND_UNAVAILABLE,
        extensions: { reason: MIRROR_NEEDS_IN_PROCESS_LEDGER },
        message: expect.stringMatching(/LEDGER_DATABASE_URL/),
      });
      const create = withWriteIntent(
        { unit: 'Mutation.createCommitment', stage: 'rampdown', mirrorTo: 'legacy' },
        () => fixture.commitments.createCommitment(alice, input),
      );
      await expect(create).rejects.toMatchObject({ code: ErrorCode.BACKEND_UNAVAILABLE });
      expect(await fixture.ledger.getDigest()).toEqual(before);
      expect(await fixture.commitments.commitmentsByIds(alice, [SHARED.id])).toEqual([commitment]);
    });

    it('answers a write that changes nothing as the in-process adapter does, without refusing it', async () => {
      const moved = withWriteIntent(live, () =>
        fixture.commitments.updateCommitmentStatus(alice, SHARED.id, 'BREACHED', 'CANCELLED'),
      );
      await expect(moved).resolves.toBeNull();
    });

    it('writes at complete, where nothing is mirrored', async () => {
      const created = await withWriteIntent(
        { unit: 'Mutation.createCommitment', stage: 'complete', mirrorTo: null },
        () => fixture.commitments.createCommitment(alice, input),
      );
      expect(await fixture.commitments.commitmentsByIds(alice, [created.id])).toEqual([created]);
    });
  });

  describe('optimistic concurrency', () => {
    it('reruns the transaction that lost an OCC conflict, and both writes land', async () => {
      const created = await fixture.commitments.createCommitment(alice, input);
      const race = contended(fixture.driver, 2);
      const commitments = createDriverCommitments(race.driver);
      const [first, second] = await Promise.all([
        commitments.attachDocument(alice, created.id, 'plan.pdf', 'https://files.example/1'),
        commitments.attachDocument(alice, created.id, 'plan.pdf', 'https://files.example/2'),
      ]);
      expect(race.attempts()).toBe(3);
      expect([first?.version, second?.version].sort()).toEqual([1, 2]);
      const documents = await fixture.commitments.documentsByCommitmentIds(alice, [created.id]);
      expect(documents.map((document) => document.version)).toEqual([1, 2]);
      const history = await fixture.commitments.historyByIds(alice, [created.id]);
      expect(history.map((revision) => revision.metadata.version)).toEqual([0, 1, 2]);
    });

    it('answers CONFLICT, retryable, when the conflicts outlast the retries', async () => {
      const created = await fixture.commitments.createCommitment(alice, input);
      const race = contended(fixture.openDriver({ retries: 0 }), 2);
      const commitments = createDriverCommitments(race.driver);
      const outcomes = await Promise.allSettled([
        commitments.updateCommitmentStatus(alice, created.id, 'DRAFT', 'PROPOSED'),
        commitments.updateCommitmentStatus(alice, created.id, 'DRAFT', 'CANCELLED'),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(rejected?.reason).toMatchObject({ code: ErrorCode.CONFLICT, extensions: { retryable: true } });
      const history = await fixture.commitments.historyByIds(alice, [created.id]);
      expect(history).toHaveLength(2);
    });
  });

  describe('history and verification', () => {
    it("gives a seeded commitment's revisions, digest, proof and hash as the in-process ledger does", async () => {
      const inProcess = createLedgerCommitments(fixture.ledger);
      const over = await fixture.commitments.historyByIds(alice, [SHARED.id]);
      const within = await inProcess.historyByIds(alice, [SHARED.id]);
      expect(over.map((revision) => [revision.metadata, toBase64(revision.hash), revision.data])).toEqual(
        within.map((revision) => [revision.metadata, toBase64(revision.hash), revision.data]),
      );
      // Every version: the newest through GetRevision, the earlier ones (written in one block by
      // the backfill) through GetBlock.
      for (const version of [undefined, ...within.map((revision) => revision.metadata.version)]) {
        const driver = await verifyDriverCommitment(
          fixture.driver,
          fixture.commitments,
          alice,
          SHARED.id,
          version,
        );
        const local = await verifyCommitment(fixture.ledger, inProcess, alice, SHARED.id, version);
        expect([version, driver?.problem]).toEqual([version, null]);
        expect(driver?.verified).toBe(true);
        expect(driver?.problem).toBeNull();
        expect([driver?.digest, driver?.tipAddress, driver?.proof, driver?.revisionHash].map(String)).toEqual(
          [local?.digest, local?.tipAddress, local?.proof, local?.revisionHash].map(String),
        );
      }
    });

    it('verifies each revision of a commitment created over the driver, under its QLDB document id', async () => {
      const created = await fixture.commitments.createCommitment(alice, input);
      await fixture.commitments.updateCommitmentStatus(alice, created.id, 'DRAFT', 'PROPOSED');
      const history = await fixture.commitments.historyByIds(alice, [created.id]);
      expect(history.map((revision) => [revision.metadata.version, revision.data.status])).toEqual([
        [0, 'DRAFT'],
        [1, 'PROPOSED'],
      ]);
      // QLDB gives an inserted document its own id; the commitment id is a field of it.
      expect(history[0]?.metadata.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(history[0]?.data.id).toBe(created.id);
      for (const version of [0, 1]) {
        const result = await verifyDriverCommitment(
          fixture.driver,
          fixture.commitments,
          alice,
          created.id,
          version,
        );
        expect(result).toMatchObject({ verified: true, problem: null });
      }
    });

    it('answers verified: false when the proof does not lead to the digest the ledger gives', async () => {
      const wrongDigest: LedgerDriver = {
        ...fixture.driver,
        async getDigest() {
          const { digest, tipAddress } = await fixture.driver.getDigest();
          return { digest: digest.map((byte, index) => (index === 0 ? byte ^ 1 : byte)), tipAddress };
        },
      };
      const result = await verifyDriverCommitment(wrongDigest, fixture.commitments, alice, SHARED.id);
      expect(result).toMatchObject({
        verified: false,
        problem: 'the proof does not lead to the current digest',
      });
    });

    it('never answers verified for a revision changed in the database: the ledger refuses to prove its block', async () => {
      const seeded = DEMO_COMMITMENTS[5];
      if (seeded === undefined) throw new Error('no demo commitment 5');
      await tamper(
        fixture.ledgerDb,
        `update ledger.revisions set data = jsonb_set(data, '{title}', '"Forged"')
         where table_name = 'commitments' and document_id = $1
           and version = (select max(version) from ledger.revisions where document_id = $1)`,
        [seeded.id],
      );
      const [served] = await fixture.commitments.commitmentsByIds(SERVICE_ROLE, [seeded.id]);
      expect(served?.title).toBe('Forged');
      // The endpoint checks the block against its hashes before it proves anything in it,
      // and answers InternalFailure, which the driver cannot tell from an outage.
      await expect(
        verifyDriverCommitment(fixture.driver, fixture.commitments, SERVICE_ROLE, seeded.id),
      ).rejects.toMatchObject({ code: ErrorCode.BACKEND_UNAVAILABLE });
      const local = await verifyCommitment(
        fixture.ledger,
        createLedgerCommitments(fixture.ledger),
        SERVICE_ROLE,
        seeded.id,
      );
      expect(local?.verified).toBe(false);
    });

    it('answers null where the viewer sees no commitment or there is no such version', async () => {
      for (const viewer of [bob, ANONYMOUS]) {
        const created = await fixture.commitments.createCommitment(alice, input);
        expect(
          await verifyDriverCommitment(fixture.driver, fixture.commitments, viewer, created.id),
        ).toBeNull();
        expect(await fixture.commitments.historyByIds(viewer, [created.id])).toEqual([]);
      }
      expect(
        await verifyDriverCommitment(fixture.driver, fixture.commitments, SERVICE_ROLE, SHARED.id, 99),
      ).toBeNull();
    });
  });

  it('waits for a free transaction no longer than the request budget, and answers REQUEST_TIMEOUT', async () => {
    const driver = fixture.openDriver({ maxConcurrentTransactions: 1 });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      started = resolve;
    });
    const first = driver.transaction(async (txn) => {
      await txn.execute('SELECT id FROM commitments WHERE id = ?', SHARED.id);
      started();
      await held;
    });
    await holding;
    const waited = withinRequestBudget(createRequestBudget(200), () =>
      driver.transaction((txn) => txn.execute('SELECT id FROM commitments WHERE id = ?', SHARED.id)),
    );
    await expect(waited).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    release();
    await first;
    // The slot the timed-out wait never took is free for the next transaction.
    expect(
      await driver.transaction((txn) => txn.execute('SELECT id FROM commitments WHERE id = ?', SHARED.id)),
    ).toHaveLength(1);
  });
});
