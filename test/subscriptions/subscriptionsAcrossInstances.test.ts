import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { closedPort } from '../support/closedPort.ts';
import { eventually } from '../support/eventually.ts';
import type { ServeProcess } from '../support/figwayProcess.ts';
import { type MirroredDeployment, mirroredDeployment } from '../support/mirroredServe.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { type RedisServer, redisServerOn } from '../support/redisServer.ts';
import { type Subscriber, subscribe } from '../support/subscriber.ts';

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const CHANGED = `subscription ($id: ID!) { commitmentChanged(id: $id) { id title } }`;
const ISSUER = 'http://127.0.0.1:54321/auth/v1';

async function metric(gateway: ServeProcess, name: string): Promise<number> {
  const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(name));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

// Two `figway serve` processes over one set of PostgreSQL databases and a Redis the
// test starts on its own port (so it can stop it): only instance A runs the mirror's
// appliers, so every legacy change is published by A and reaches B only through Redis.
describe('subscriptions across gateway instances (PostgreSQL, Redis)', () => {
  let databases: ProductionDatabases;
  let deployment: MirroredDeployment;
  let redis: RedisServer;
  let a: ServeProcess;
  let b: ServeProcess;
  let token: string;
  const open: Subscriber[] = [];

  async function rename(title: string) {
    await deployment.sql('legacy', 'update public.commitments set title = $2 where id = $1', [
      ALICE_ACTIVE,
      title,
    ]);
  }

  async function subscribed(gateway: ServeProcess) {
    const active = () =>
      metric(gateway, 'figway_subscriptions_active{unit="Subscription.commitmentChanged"}');
    const before = await active();
    const subscriber = subscribe(gateway.url, CHANGED, { token, variables: { id: ALICE_ACTIVE } });
    open.push(subscriber);
    await eventually(active, (n) => n > before, 10_000);
    return subscriber;
  }

  beforeAll(async () => {
    redis = redisServerOn(await closedPort());
    await redis.start();
    databases = await createProductionDatabases();
    deployment = await mirroredDeployment(databases, 'legacy', { REDIS_URL: redis.url });
    [a, b] = await Promise.all([deployment.start(), deployment.start({ FIGWAY_SYNC_APPLIER: 'off' })]);
    token = await signSupabaseToken(demoUser('alice'), deployment.env.SUPABASE_JWT_SECRET ?? '', {
      issuer: ISSUER,
      ttlSeconds: 3600,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((subscriber) => subscriber.close()));
    await deployment?.close();
    await databases?.drop();
    await redis?.kill();
  });

  it('tells a subscriber on instance B about a change instance A published', async () => {
    const onB = await subscribed(b);
    await rename(`across ${randomBytes(3).toString('hex')}`);
    const [event] = await onB.received(1);
    expect(event?.data?.commitmentChanged).toMatchObject({ id: ALICE_ACTIVE });
    expect(await metric(b, 'figway_subscription_fanout_connected')).toBe(1);
  });

  it('keeps local delivery while Redis is down, counts the loss, and fans out again once it is back', async () => {
    const onA = await subscribed(a);
    const onB = await subscribed(b);
    await redis.kill();
    await eventually(
      () => metric(a, 'figway_subscription_fanout_connected'),
      (up) => up === 0,
      10_000,
    );
    await rename('while Redis is down');
    const [local] = await onA.received(1);
    expect(local?.data?.commitmentChanged).toMatchObject({ title: 'while Redis is down' });
    await eventually(
      () => metric(a, 'figway_subscription_events_lost_total{reason="redis"}'),
      (lost) => lost >= 1,
      10_000,
    );
    expect(onB.results).toEqual([]);

    await redis.start();
    for (const gateway of [a, b])
      await eventually(
        () => metric(gateway, 'figway_subscription_fanout_connected'),
        (up) => up === 1,
        15_000,
      );
    await rename('Redis is back');
    const events = await onB.received(1);
    expect(events.map((event) => event.data?.commitmentChanged)).toEqual([
      { id: ALICE_ACTIVE, title: 'Redis is back' },
    ]);
    await onA.received(2);
  });

  it('completes every subscription on SIGTERM before the process exits', async () => {
    const onB = await subscribed(b);
    expect(await b.stop('SIGTERM')).toBe(0);
    // The complete message went out before the socket closed (1001, going away).
    await eventually(
      async () => onB.closed,
      (closed) => closed !== null,
      5_000,
    );
    expect(onB.completed).toBe(true);
    expect(onB.error).toBeNull();
  });
});
