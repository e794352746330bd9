import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, serviceTokens, startService } from '../services/serviceProcess.ts';
import { closedPort } from '../support/closedPort.ts';
import { eventually } from '../support/eventually.ts';
import type { ServeProcess } from '../support/figwayProcess.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { type RedisServer, redisServerInstalled, redisServerOn } from '../support/redisServer.ts';
import { type Subscriber, subscribe } from '../support/subscriber.ts';
import { wsOperation } from '../support/wsClient.ts';
import { ask, dataOf, type RemoteGateways, remoteGateways } from './remoteDeployment.ts';
import { ALICE_AND_CAROL, LOAN, SERVICE_KEY } from './remoteGatewayFixture.ts';

// Under CI a missing redis-server fails these tests; elsewhere they are skipped.
const runs = process.env.CI === 'true' || redisServerInstalled();

const BOB = 'b0b00000-0000-4000-8000-000000000002';
const CHANGED = `subscription ($id: ID!) { commitmentChanged(id: $id) { id title documents { name } } }`;
const ACTIVITY = `subscription { myCommitmentActivity { kind commitment { id title } actor { username } } }`;
const NO_REDIS = /The ledger's events need REDIS_URL: this gateway writes through the ledger service/;

type Activity = { kind: string; commitment: { id: string; title: string }; actor: { username: string } };

// The ledger and OLTP services and a gateway reaching the targets only through them, as
// processes on fresh PostgreSQL databases, sharing a Redis the test starts on a port of
// its own (so its channel is theirs alone); every unit at live, subscriptions included.
// A second ledger service and gateway run without REDIS_URL.
describe.runIf(runs)(
  'subscriptions on a gateway whose targets are remote services (PostgreSQL, Redis)',
  () => {
    let redis: RedisServer;
    let databases: ProductionDatabases;
    let tokens: Awaited<ReturnType<typeof serviceTokens>>;
    let ledger: ServiceProcess;
    let oltp: ServiceProcess;
    let unpublished: ServiceProcess;
    let gateways: RemoteGateways;
    let gateway: ServeProcess;
    const open: Subscriber[] = [];

    async function active(target: ServeProcess, unit: string): Promise<number> {
      const text = await (await fetch(new URL('/metrics', target.url))).text();
      const line = text
        .split('\n')
        .find((candidate) => candidate.startsWith(`figway_subscriptions_active{unit="${unit}"}`));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    }

    // Subscribes as the holder of `token` and waits until the gateway holds the subscription.
    async function subscribed(query: string, token: string, variables?: Record<string, unknown>) {
      const unit = query.includes('commitmentChanged')
        ? 'Subscription.commitmentChanged'
        : 'Subscription.myCommitmentActivity';
      const before = await active(gateway, unit);
      const subscriber = subscribe(gateway.url, query, {
        token,
        ...(variables === undefined ? {} : { variables }),
      });
      open.push(subscriber);
      await eventually(
        () => active(gateway, unit),
        (n) => n > before || subscriber.results.length > 0,
        10_000,
      );
      expect(subscriber.results).toEqual([]);
      return subscriber;
    }

    async function mutate(mutation: string, token: string): Promise<Record<string, unknown>> {
      const answer = await ask(gateway.url, `mutation { ${mutation} }`, token);
      expect(answer.errors).toEqual([]);
      expect(Object.values(answer.routes).every((route) => route.backend === 'target')).toBe(true);
      return dataOf(answer);
    }

    const activities = (subscriber: Subscriber) =>
      subscriber.results.map((result) => result.data?.myCommitmentActivity as Activity | undefined);

    beforeAll(async () => {
      redis = redisServerOn(await closedPort());
      await redis.start();
      databases = await createProductionDatabases();
      tokens = await serviceTokens();
      const common = { NODE_ENV: 'production', FIGWAY_SERVICE_KEY: SERVICE_KEY, ...tokens.env };
      const ledgerEnv = { ...common, LEDGER_DATABASE_URL: databases.urls.ledger };
      [ledger, oltp] = await Promise.all([
        startService('ledger', { ...ledgerEnv, REDIS_URL: redis.url }),
        startService('oltp', { ...common, OLTP_DATABASE_URL: databases.urls.oltp }),
      ]);
      // Started once the first has migrated the ledger database they share.
      unpublished = await startService('ledger', { ...ledgerEnv, REDIS_URL: '' });
      gateways = await remoteGateways(
        databases,
        { ...tokens.env, FIGWAY_SERVICE_KEY: SERVICE_KEY },
        { subscriptions: 'live' },
      );
      gateway = await gateways.start({ ledger: ledger.url, oltp: oltp.url }, { REDIS_URL: redis.url });
    }, 180_000);

    afterAll(async () => {
      await Promise.all(open.map((subscriber) => subscriber.close()));
      await gateways?.close();
      const codes = await Promise.all([ledger?.stop(), oltp?.stop(), unpublished?.stop()]);
      await databases?.drop();
      await redis?.kill();
      expect(codes).toEqual([0, 0, 0]);
    });

    it('tells a subscriber at live about a write made through the gateway and the ledger service', async () => {
      const alice = await subscribed(CHANGED, tokens.alice, { id: ALICE_AND_CAROL });
      const name = `Signed terms ${randomBytes(3).toString('hex')}`;
      await mutate(
        `attachDocument(commitmentId: "${ALICE_AND_CAROL}", input: { name: "${name}", url: "https://example.com/terms.pdf" }) { name }`,
        tokens.alice,
      );
      const [event] = await alice.received(1);
      expect(event?.errors).toBeUndefined();
      const changed = event?.data?.commitmentChanged as { id: string; documents: Array<{ name: string }> };
      expect(changed.id).toBe(ALICE_AND_CAROL);
      expect(changed.documents.map((document) => document.name)).toContain(name);
      expect(ledger.output()).not.toMatch(/REDIS_URL is not set/);
    });

    it("does not tell bob about alice's private commitment, and tells him once he is a party", async () => {
      const alice = await subscribed(ACTIVITY, tokens.alice);
      const bob = await subscribed(ACTIVITY, tokens.bob);
      const create = (title: string) =>
        mutate(`createCommitment(input: { title: "${title}", typeId: "${LOAN}" }) { id }`, tokens.alice).then(
          (data) => (data.createCommitment as { id: string }).id,
        );
      const privateId = await create('Private to alice');
      await alice.received(1);
      expect(activities(alice)[0]).toEqual({
        kind: 'CREATED',
        commitment: { id: privateId, title: 'Private to alice' },
        actor: { username: 'alice' },
      });
      // Bob may not even open a subscription to it: the ledger service, asked with his token, hides it.
      const refused = await wsOperation(
        gateway.url,
        `subscription { commitmentChanged(id: "${privateId}") { id } }`,
        `Bearer ${tokens.bob}`,
      );
      expect(refused).toMatchObject({
        kind: 'completed',
        results: [{ errors: [{ extensions: { code: 'NOT_FOUND' } }] }],
      });
      // Told in the order committed: once bob hears of the shared one, the private one is behind him.
      const sharedId = await create('Shared with bob');
      await alice.received(2);
      await mutate(
        `addParty(commitmentId: "${sharedId}", profileId: "${BOB}", role: PARTICIPANT) { id }`,
        tokens.alice,
      );
      await eventually(
        async () => activities(bob),
        (heard) => heard.some((activity) => activity?.kind === 'PARTY_ADDED'),
        15_000,
      );
      expect(bob.results.every((result) => result.errors === undefined)).toBe(true);
      expect(activities(bob).map((activity) => activity?.commitment.id)).not.toContain(privateId);
      expect(activities(bob)).toContainEqual({
        kind: 'PARTY_ADDED',
        commitment: { id: sharedId, title: 'Shared with bob' },
        actor: { username: 'alice' },
      });
    });

    it('refuses a subscription at live on a gateway with the service URLs and no REDIS_URL', async () => {
      expect(unpublished.output()).toMatch(
        /REDIS_URL is not set: the writes made through this ledger service reach no subscriber/,
      );
      const alone = await gateways.start({ ledger: unpublished.url, oltp: oltp.url }, { REDIS_URL: '' });
      expect(alone.output()).toMatch(
        /REDIS_URL is not set: writes made through the ledger service reach no subscriber/,
      );
      const outcome = await wsOperation(
        alone.url,
        `subscription { commitmentChanged(id: "${ALICE_AND_CAROL}") { id } }`,
        `Bearer ${tokens.alice}`,
      );
      // The refusal is the operation's one result, with its error; nothing more is sent.
      expect(outcome).toMatchObject({
        kind: 'completed',
        results: [{ errors: [{ extensions: { code: 'BACKEND_UNAVAILABLE' } }] }],
      });
      const [result] = (outcome as { results: Array<{ errors: Array<{ message: string }> }> }).results;
      expect(result?.errors[0]?.message).toMatch(NO_REDIS);
    });
  },
);
