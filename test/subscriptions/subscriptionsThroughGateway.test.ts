import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { Stage } from '../../src/core/stage.ts';
import { writeDefinitions } from '../../src/routing/flagFiles.ts';
import { eventually } from '../support/eventually.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';
import { closeSubscribers, type Subscriber, subscribe } from '../support/subscriber.ts';

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const ALICE_PROPOSED = 'c0000000-0000-4000-8000-000000000014'; // alice's, dave PARTICIPANT; PROPOSED
const ALICE_WITH_CAROL = 'c0000000-0000-4000-8000-000000000008'; // alice's, carol PARTICIPANT
const CHANGED = `subscription ($id: ID!) { commitmentChanged(id: $id) { id title status parties { role profile { username } } } }`;
const ACTIVITY = `subscription { myCommitmentActivity { kind actor { username } commitment { id status } } }`;

async function stageEverything(gateway: TestGateway, stage: Stage) {
  await writeDefinitions(
    gateway.flagsPath,
    await flagsWith(
      await unitsAt(['Query.*', 'Commitment.*', 'Profile.*', 'Mutation.*', 'Subscription.*'], stage),
    ),
  );
  expect(await gateway.nextFlagsReload()).toBe('applied');
}

for (const engine of await testEngines()) {
  describe(`subscriptions through the gateway (${engine.name})`, () => {
    let gateway: TestGateway;
    const open: Subscriber[] = [];

    async function subscribed(query: string, as: string, variables?: Record<string, unknown>) {
      const before = gateway.subscriptions?.hub.active ?? 0;
      const subscriber = subscribe(gateway.gateway.url, query, {
        token: await gateway.tokenFor(as),
        ...(variables === undefined ? {} : { variables }),
      });
      open.push(subscriber);
      await eventually(
        async () => ({ active: gateway.subscriptions?.hub.active ?? 0, results: subscriber.results.length }),
        (state) => state.active > before || state.results > 0,
        10_000,
      );
      return subscriber;
    }

    beforeAll(async () => {
      gateway = await startTestGateway(engine, {
        targets: true,
        sync: { pollMs: 100 },
        subscriptions: {},
      });
    });
    afterEach(() => closeSubscribers(open, () => gateway.subscriptions?.hub.active));
    afterAll(async () => {
      await gateway?.close();
    });

    it('tells a legacy subscriber about a change made with plain SQL, outside figway', async () => {
      await stageEverything(gateway, 'legacy');
      const alice = await subscribed(CHANGED, 'alice', { id: ALICE_ACTIVE });
      await gateway.db.query(
        `update public.commitments set title = 'Renamed in a SQL console' where id = $1`,
        [ALICE_ACTIVE],
      );
      const [event] = await alice.received(1);
      expect(event?.errors).toBeUndefined();
      expect(event?.data?.commitmentChanged).toMatchObject({
        id: ALICE_ACTIVE,
        title: 'Renamed in a SQL console',
        status: 'ACTIVE',
        parties: [
          { role: 'CREATOR', profile: { username: 'alice' } },
          { role: 'PARTICIPANT', profile: { username: 'carol' } },
        ],
      });
    });

    it('feeds complete from the ledger only: one event per change, with the state it made', async () => {
      await stageEverything(gateway, 'complete');
      const alice = await subscribed(CHANGED, 'alice', { id: ALICE_PROPOSED });
      const activity = await subscribed(ACTIVITY, 'dave');
      const update = `mutation ($id: ID!, $to: CommitmentStatus!) { updateCommitmentStatus(id: $id, status: $to) { status } }`;
      // A payload is read when its event is sent, so two quick changes may both show the
      // later state (README): each change is told before the next is made.
      for (const [index, to] of ['DRAFT', 'PROPOSED', 'ACTIVE'].entries()) {
        const response = await gateway.query(update, { as: 'alice', variables: { id: ALICE_PROPOSED, to } });
        expect(response.body.errors).toBeUndefined();
        await Promise.all([alice.received(index + 1), activity.received(index + 1)]);
      }
      const events = await alice.received(3);
      expect(
        events.map((event) => (event.data?.commitmentChanged as { status?: string } | undefined)?.status),
      ).toEqual(['DRAFT', 'PROPOSED', 'ACTIVE']);
      const told = await activity.received(3);
      expect(told.map((event) => event.data?.myCommitmentActivity)).toEqual(
        ['DRAFT', 'PROPOSED', 'ACTIVE'].map((status) => ({
          kind: 'STATUS_CHANGED',
          actor: { username: 'alice' },
          commitment: { id: ALICE_PROPOSED, status },
        })),
      );
      // The mirror copies each write to legacy; in complete legacy's changes feed nobody.
      await eventually(
        async () => (await gateway.sync?.status())?.toLegacy.pending,
        (pending) => pending === 0,
        10_000,
      );
      expect(alice.results).toHaveLength(3);
    });

    it('tells nobody about a commitment they are not a party to, on either side', async () => {
      for (const stage of ['legacy', 'complete'] as const) {
        await stageEverything(gateway, stage);
        const refused = subscribe(gateway.gateway.url, CHANGED, {
          token: await gateway.tokenFor('bob'),
          variables: { id: ALICE_ACTIVE },
        });
        open.push(refused);
        const [answer] = await refused.received(1);
        expect(answer?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        const bob = await subscribed(ACTIVITY, 'bob');
        const carol = await subscribed(ACTIVITY, 'carol');
        const attach = `mutation ($id: ID!) { attachDocument(commitmentId: $id, input: { name: "terms-${stage}.pdf", url: "https://example.com/t.pdf" }) { id } }`;
        expect(
          (await gateway.query(attach, { as: 'alice', variables: { id: ALICE_ACTIVE } })).body.errors,
        ).toBeUndefined();
        const [told] = await carol.received(1);
        expect(told?.data?.myCommitmentActivity).toMatchObject({
          kind: 'DOCUMENT_ATTACHED',
          commitment: { id: ALICE_ACTIVE },
        });
        // bob heard nothing by the time carol heard it, nor after the feed drained.
        await eventually(
          async () => (await gateway.sync?.status())?.toTarget.pending,
          (pending) => pending === 0,
          10_000,
        );
        expect(bob.results).toEqual([]);
        await Promise.all(open.splice(0).map((subscriber) => subscriber.close()));
      }
    });

    it('reads a side where the subscriber is no longer a party as the subscriber, never as service_role', async () => {
      // Events come from the ledger, documents from legacy, where carol was just removed
      // (marked as the mirror's own change, so the ledger keeps her: the sides disagree,
      // as they do while the mirror lags) and a document was attached after she left.
      await writeDefinitions(
        gateway.flagsPath,
        await flagsWith({
          ...(await unitsAt(['Subscription.*', 'Query.*', 'Mutation.*'], 'complete')),
          ...(await unitsAt(['Commitment.*', 'Profile.*'], 'legacy')),
        }),
      );
      expect(await gateway.nextFlagsReload()).toBe('applied');
      const query = `subscription ($id: ID!) { commitmentChanged(id: $id) { id documents { name } } }`;
      const carol = await subscribed(query, 'carol', { id: ALICE_WITH_CAROL });
      const [profile] = await gateway.db.query(`select id from public.profiles where username = 'carol'`);
      await gateway.db.transaction(async (tx) => {
        await tx.query(`select set_config('figway.origin', 'mirror', true)`);
        await tx.query('delete from public.commitment_parties where commitment_id = $1 and profile_id = $2', [
          ALICE_WITH_CAROL,
          profile?.id,
        ]);
        await tx.query(
          `insert into public.commitment_documents (commitment_id, name, url) values ($1, 'after-carol-left.pdf', 'https://example.com/s')`,
          [ALICE_WITH_CAROL],
        );
      });
      const attach = `mutation ($id: ID!) { attachDocument(commitmentId: $id, input: { name: "on-the-ledger.pdf", url: "https://example.com/l" }) { id } }`;
      expect(
        (await gateway.query(attach, { as: 'alice', variables: { id: ALICE_WITH_CAROL } })).body.errors,
      ).toBeUndefined();
      const [event] = await carol.received(1);
      // The ledger still seats carol, so she is told; legacy's documents are read as her: none.
      expect(event?.data?.commitmentChanged).toEqual({ id: ALICE_WITH_CAROL, documents: [] });
    });

    it('stops telling a party who was removed from the commitment', async () => {
      await stageEverything(gateway, 'legacy');
      const carol = await subscribed(CHANGED, 'carol', { id: ALICE_ACTIVE });
      const alice = await subscribed(CHANGED, 'alice', { id: ALICE_ACTIVE });
      const [carolProfile] = await gateway.db.query(
        `select id from public.profiles where username = 'carol'`,
      );
      await gateway.db.query(
        'delete from public.commitment_parties where commitment_id = $1 and profile_id = $2',
        [ALICE_ACTIVE, carolProfile?.id],
      );
      await gateway.db.query(`update public.commitments set title = 'Without carol' where id = $1`, [
        ALICE_ACTIVE,
      ]);
      const events = await alice.received(2);
      expect(events[1]?.data?.commitmentChanged).toMatchObject({ title: 'Without carol' });
      expect(carol.results).toEqual([]);
    });
  });
}
