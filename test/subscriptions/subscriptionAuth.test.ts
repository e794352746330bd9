import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { demoUser, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { TOKEN_EXPIRED } from '../../src/server/closeWhenTokenExpires.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { eventually } from '../support/eventually.ts';
import { closeSubscribers, type Subscriber, subscribe } from '../support/subscriber.ts';
import { wsConnectionClosed } from '../support/wsClient.ts';

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const CHANGED = `subscription ($id: ID!) { commitmentChanged(id: $id) { id title } }`;

/** The seconds-since-epoch `exp` claim of a JWT. */
function expiryOf(token: string): number {
  const [, payload = ''] = token.split('.');
  const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown };
  if (typeof exp !== 'number') throw new Error('the token has no exp');
  return exp;
}

for (const engine of await testEngines()) {
  describe(`who may subscribe, and for how long (${engine.name})`, () => {
    let gateway: TestGateway;
    const open: Subscriber[] = [];

    async function rename(title: string) {
      await gateway.db.query('update public.commitments set title = $2 where id = $1', [ALICE_ACTIVE, title]);
    }

    async function tokenExpiriesCounted(): Promise<number> {
      const { values } = await gateway.metrics.subscriptionSocketsClosed.get();
      return values.find((value) => value.labels.reason === 'token_expired')?.value ?? 0;
    }

    function subscribed(variables: Record<string, unknown>, token?: string) {
      const subscriber = subscribe(gateway.gateway.url, CHANGED, {
        variables,
        ...(token === undefined ? {} : { token }),
      });
      open.push(subscriber);
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

    it('closes a socket with 4401 when its token expires mid-subscription, and tells it nothing after', async () => {
      const shortLived = await signSupabaseToken(demoUser('alice'), gateway.secret, { ttlSeconds: 3 });
      const expiresAt = expiryOf(shortLived) * 1000;
      const expiring = subscribed({ id: ALICE_ACTIVE }, shortLived);
      const staying = subscribed({ id: ALICE_ACTIVE }, await gateway.tokenFor('alice'));
      await eventually(
        async () => gateway.subscriptions?.hub.active,
        (active) => active === 2,
        10_000,
      );
      const before = await tokenExpiriesCounted();

      await rename('Told while the token is valid');
      const [told] = await expiring.received(1);
      expect(told?.data?.commitmentChanged).toMatchObject({ title: 'Told while the token is valid' });
      expect(Date.now()).toBeLessThan(expiresAt);

      await eventually(
        async () => expiring.closed,
        (closed) => closed !== null,
        10_000,
      );
      const closedAt = Date.now();
      expect(expiring.closed).toEqual(TOKEN_EXPIRED);
      // At its expiry: not before exp, nor long after it.
      expect(closedAt).toBeGreaterThanOrEqual(expiresAt);
      expect(closedAt - expiresAt).toBeLessThan(1_000);
      expect(await tokenExpiriesCounted()).toBe(before + 1);

      await rename('Told after the token expired');
      const events = await staying.received(2);
      expect(events[1]?.data?.commitmentChanged).toMatchObject({ title: 'Told after the token expired' });
      expect(expiring.results).toHaveLength(1);
      expect(staying.closed).toBeNull();
    });

    it('refuses a bad or expired token at connection_init with 4403', async () => {
      const expired = await signSupabaseToken(demoUser('alice'), gateway.secret, {
        now: new Date(Date.now() - 3_600_000),
        ttlSeconds: 60,
      });
      const forged = await signSupabaseToken(demoUser('alice'), 'not-the-gateway-secret-at-all-0123456789');
      for (const authorization of ['Bearer not-a-jwt', `Bearer ${expired}`, `Bearer ${forged}`]) {
        const { closed } = wsConnectionClosed(gateway.gateway.url, authorization, 10_000);
        expect((await closed).code).toBe(4403);
      }
      expect(gateway.subscriptions?.hub.active).toBe(0);
    });

    it('refuses a subscription from a socket without a token: UNAUTHENTICATED', async () => {
      const anonymous = subscribed({ id: ALICE_ACTIVE });
      const [answer] = await anonymous.received(1);
      expect(answer?.data ?? null).toBeNull();
      expect(answer?.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(gateway.subscriptions?.hub.active).toBe(0);
    });

    it('refuses commitmentChanged for an id that is not a UUID: BAD_USER_INPUT', async () => {
      const malformed = subscribed({ id: 'not-a-uuid' }, await gateway.tokenFor('alice'));
      const [answer] = await malformed.received(1);
      expect(answer?.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(gateway.subscriptions?.hub.active).toBe(0);
    });
  });
}
