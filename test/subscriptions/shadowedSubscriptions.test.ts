import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import type { Outcome } from '../../src/core/observation.ts';
import { buildShadowReport } from '../../src/reports/buildShadowReport.ts';
import { listObservations } from '../../src/reports/listObservations.ts';
import type { ObservationRow } from '../../src/reports/shadowReportTypes.ts';
import { readCatalogue } from '../../src/routing/flagFiles.ts';
import { eventually } from '../support/eventually.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';
import { closeSubscribers, type Subscriber, subscribe } from '../support/subscriber.ts';

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const UNIT = 'Subscription.commitmentChanged';
const CHANGED = `subscription Watch($id: ID!) { commitmentChanged(id: $id) { id title status } }`;
// How long the candidate's event may trail the control's: short, so that a missing
// event is judged quickly, and still far above the mirror's lag between the two here.
const LAG_WINDOW_MS = 1_000;

for (const engine of await testEngines()) {
  describe(`shadowed subscriptions: legacy's events against the ledger's (${engine.name})`, () => {
    let gateway: TestGateway;
    const since = new Date();
    const open: Subscriber[] = [];

    async function subscribed() {
      const subscriber = subscribe(gateway.gateway.url, CHANGED, {
        token: await gateway.tokenFor('alice'),
        variables: { id: ALICE_ACTIVE },
      });
      open.push(subscriber);
      await eventually(
        async () => gateway.subscriptions?.hub.active,
        (active) => active === 1,
        10_000,
      );
      return subscriber;
    }

    /** The observations of the unit stored so far with `outcome`, once there are `count`. */
    async function observed(outcome: Outcome, count: number): Promise<ObservationRow[]> {
      return eventually(
        async () => {
          await gateway.settle();
          const rows = await listObservations(gateway.db, { unit: UNIT, outcome });
          return rows.reverse();
        },
        (rows) => rows.length >= count,
        10_000,
      );
    }

    /** Renames the commitment on legacy as figway's mirror would: captured and told, never copied to the ledger. */
    async function renameOnLegacyOnly(title: string) {
      await gateway.db.transaction(async (tx) => {
        await tx.query(`set local figway.origin = 'mirror'`);
        await tx.query('update public.commitments set title = $2 where id = $1', [ALICE_ACTIVE, title]);
      });
    }

    async function ledgerTitle(): Promise<string | undefined> {
      const current = await gateway.fixture?.ledger.current<CommitmentDocument>(COMMITMENTS, ALICE_ACTIVE);
      return current?.data.title;
    }

    beforeAll(async () => {
      const catalogue = (await readCatalogue()).map((entry) =>
        entry.unit === UNIT ? { ...entry, shadow: { ...entry.shadow, lagWindowMs: LAG_WINDOW_MS } } : entry,
      );
      gateway = await startTestGateway(engine, {
        targets: true,
        sync: { pollMs: 100 },
        shadow: {},
        subscriptions: { shadow: { random: () => 0 } },
        catalogue,
        flags: await flagsWith(
          await unitsAt(['Query.*', 'Commitment.*', 'Profile.*', 'Mutation.*', 'Subscription.*'], 'shadow'),
        ),
      });
    });
    afterEach(() => closeSubscribers(open, () => gateway.subscriptions?.hub.active));
    afterAll(async () => {
      await gateway?.close();
    });

    it("pairs legacy's event with the ledger's for the same change and records them matched", async () => {
      const alice = await subscribed();
      await gateway.db.query('update public.commitments set title = $2 where id = $1', [
        ALICE_ACTIVE,
        'Renamed on legacy, mirrored to the ledger',
      ]);
      const [event] = await alice.received(1);
      expect(event?.data?.commitmentChanged).toEqual({
        id: ALICE_ACTIVE,
        title: 'Renamed on legacy, mirrored to the ledger',
        status: 'ACTIVE',
      });
      const [observation, ...more] = await observed('matched', 1);
      expect(more).toEqual([]);
      expect(observation).toMatchObject({
        unit: UNIT,
        stage: 'shadow',
        control: 'legacy',
        query: CHANGED,
        variables: { id: ALICE_ACTIVE },
        outcome: 'matched',
        diffs: [],
      });
      expect(observation?.candidateMs).toEqual(expect.any(Number));
      expect(await ledgerTitle()).toBe('Renamed on legacy, mirrored to the ledger');

      const report = await buildShadowReport(gateway.db, { since, unit: UNIT });
      expect(report.units).toEqual([
        expect.objectContaining({ unit: UNIT, samples: 1, matched: 1, mismatched: 0, candidateErrors: 0 }),
      ]);
      // The subscriber got legacy's event once, not the ledger's as well.
      expect(alice.results).toHaveLength(1);
    });

    it("records the ledger's missing event as mismatched once the lag window has passed", async () => {
      const alice = await subscribed();
      await renameOnLegacyOnly('Renamed on legacy only');
      const [event] = await alice.received(1);
      expect(event?.data?.commitmentChanged).toMatchObject({ title: 'Renamed on legacy only' });
      const [observation, ...more] = await observed('mismatched', 1);
      expect(more).toEqual([]);
      expect(observation?.diffs).toEqual([
        {
          path: 'commitmentChanged',
          control: `an event for ${ALICE_ACTIVE}`,
          candidate: `no event within ${LAG_WINDOW_MS} ms`,
        },
      ]);
      expect(observation?.candidateMs).toBeNull();
      expect(await ledgerTitle()).toBe('Renamed on legacy, mirrored to the ledger');
    });

    it('records a title the ledger tells differently as mismatched at commitmentChanged.title', async () => {
      const alice = await subscribed();
      await renameOnLegacyOnly('Legacy says this');
      await alice.received(1);
      // The ledger's own revision, told while legacy's event waits for its pair.
      const ledger = gateway.fixture?.ledger;
      const current = await ledger?.current<CommitmentDocument>(COMMITMENTS, ALICE_ACTIVE);
      if (ledger === undefined || current == null) throw new Error('no ledger copy');
      await ledger.write([
        {
          tableName: COMMITMENTS,
          documentId: ALICE_ACTIVE,
          data: { ...current.data, title: 'The ledger says that' },
          expectedVersion: current.metadata.version,
        },
      ]);
      const [, observation, ...more] = await observed('mismatched', 2);
      expect(more).toEqual([]);
      expect(observation?.diffs).toEqual([
        { path: 'commitmentChanged.title', control: 'Legacy says this', candidate: 'The ledger says that' },
      ]);
      expect(alice.results.map((result) => result.data?.commitmentChanged)).toEqual([
        { id: ALICE_ACTIVE, title: 'Legacy says this', status: 'ACTIVE' },
      ]);

      const [report] = (await buildShadowReport(gateway.db, { since, unit: UNIT })).units;
      expect(report).toMatchObject({ samples: 3, matched: 1, mismatched: 2 });
      expect(report?.topPaths.map((entry) => entry.path).sort()).toEqual([
        'commitmentChanged',
        'commitmentChanged.title',
      ]);
    });
  });
}
