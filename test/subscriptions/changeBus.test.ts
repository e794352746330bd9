// The change bus: delivery in this process, fan-out across instances on Redis, and Redis going away and back.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createChangeBus } from '../../src/subscriptions/changeBus.ts';
import { captureLogs } from '../support/capturedLogs.ts';
import { closedPort } from '../support/closedPort.ts';
import { eventually } from '../support/eventually.ts';
import {
  type RedisServer,
  redisAnswers,
  redisServerInstalled,
  redisServerOn,
  TEST_REDIS_URL,
} from '../support/redisServer.ts';
import {
  change,
  fanOutGauge,
  listen,
  lostToRedis,
  openBus,
  opened,
  silent,
  useChangeBus,
} from './changeBusFixture.ts';

// Under CI a missing Redis or redis-server fails these tests; elsewhere they are skipped.
const required = process.env.CI === 'true';
const sharedRedis = required || (await redisAnswers(6379));
const privateRedis = required || redisServerInstalled();

useChangeBus();

describe('createChangeBus: in this process (no Redis)', () => {
  it('tells listeners the published changes in publish order, after publish returns', async () => {
    const { bus, heard } = await openBus(null, 'unused');
    bus.publish([change('a'), change('b')]);
    bus.publish([change('c')]);
    expect(heard).toEqual([]);
    await eventually(
      async () => heard.length,
      (n) => n === 3,
      1_000,
    );
    expect(heard).toEqual(['a', 'b', 'c']);
    expect(bus.fanOut).toBe('local');
  });

  it('tells an unsubscribed listener nothing, even changes published before it left', async () => {
    const { bus, heard } = await openBus(null, 'unused');
    const gone: string[] = [];
    const unsubscribe = bus.subscribe((changes) => gone.push(...changes.map((c) => c.commitmentId)));
    bus.publish([change('a')]);
    unsubscribe();
    bus.publish([change('b')]);
    await eventually(
      async () => heard.length,
      (n) => n === 2,
      1_000,
    );
    expect(gone).toEqual([]);
  });

  it('logs a listener that throws and still tells the others', async () => {
    const logs = captureLogs('warn');
    const bus = await createChangeBus({
      redisUrl: null,
      metrics: createGatewayMetrics(),
      logger: logs.logger,
    });
    opened.push(bus);
    bus.subscribe(() => {
      throw new Error('listener bug');
    });
    const heard = listen(bus);
    bus.publish([change('a')]);
    bus.publish([change('b')]);
    await eventually(
      async () => heard,
      (h) => h.length === 2,
      1_000,
    );
    const line = await logs.waitFor((l) => /listener threw/.test(l.msg ?? ''), 1_000);
    expect(JSON.stringify(line.err)).toContain('listener bug');
  });

  it('tells nothing after close, and close twice is fine', async () => {
    const { bus, heard } = await openBus(null, 'unused');
    bus.publish([change('a')]);
    await bus.close();
    await bus.close();
    bus.publish([change('b')]);
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(heard).toEqual([]);
  });
});

describe.skipIf(!sharedRedis)('createChangeBus: across instances on the shared Redis', () => {
  it('tells each change once on both instances: the publisher does not hear its own echo', async () => {
    const channel = `figway:changes:test:${randomUUID()}`;
    const a = await openBus(TEST_REDIS_URL, channel);
    const b = await openBus(TEST_REDIS_URL, channel);
    expect([a.bus.fanOut, b.bus.fanOut]).toEqual(['connected', 'connected']);
    expect(await fanOutGauge(a.metrics)).toBe(1);
    a.bus.publish([change('x')]);
    await eventually(
      async () => b.heard,
      (h) => h.includes('x'),
      5_000,
    );
    // Redis delivers a channel's messages in order: once A hears y (published by B after
    // B heard x), an echo of x would have reached A before it.
    b.bus.publish([change('y')]);
    await eventually(
      async () => a.heard,
      (h) => h.includes('y'),
      5_000,
    );
    expect(a.heard).toEqual(['x', 'y']);
    expect(b.heard).toEqual(['x', 'y']);
  });

  it('quits both connections on close, reports the fan-out down, and closes once', async () => {
    const instanceId = randomUUID();
    const metrics = createGatewayMetrics();
    const channel = `figway:changes:test:${randomUUID()}`;
    const bus = await createChangeBus({
      redisUrl: TEST_REDIS_URL,
      channel,
      metrics,
      logger: silent,
      instanceId,
    });
    const admin = new Redis(TEST_REDIS_URL);
    try {
      const names = async () =>
        ((await admin.client('LIST')) as string).match(new RegExp(`figway-(pub|sub)-${instanceId}`, 'g')) ??
        [];
      expect((await names()).sort()).toEqual([`figway-pub-${instanceId}`, `figway-sub-${instanceId}`]);
      await Promise.all([bus.close(), bus.close()]);
      expect(bus.fanOut).toBe('disconnected');
      expect(await fanOutGauge(metrics)).toBe(0);
      await eventually(names, (found) => found.length === 0, 5_000);
    } finally {
      await admin.quit();
    }
  });

  it("counts another instance's messages that never arrived, from the gaps in its sequence", async () => {
    const channel = `figway:changes:test:${randomUUID()}`;
    const metrics = createGatewayMetrics();
    const bus = await createChangeBus({ redisUrl: TEST_REDIS_URL, channel, metrics, logger: silent });
    opened.push(bus);
    const heard = listen(bus);
    const raw = new Redis(TEST_REDIS_URL);
    try {
      for (const [seq, id] of [
        [1, 'a'],
        [2, 'b'],
        [5, 'e'],
      ] as const)
        await raw.publish(channel, JSON.stringify({ instanceId: 'other', seq, changes: [change(id)] }));
    } finally {
      await raw.quit();
    }
    await eventually(
      async () => heard.length,
      (length) => length === 3,
      5_000,
    );
    expect(heard).toEqual(['a', 'b', 'e']);
    const lost = await metrics.subscriptionEventsLost.get();
    expect(lost.values.find((value) => value.labels.reason === 'missed')?.value).toBe(2);
  });

  it('logs and ignores a malformed message, and goes on delivering', async () => {
    const channel = `figway:changes:test:${randomUUID()}`;
    const logs = captureLogs('warn');
    const metrics = createGatewayMetrics();
    const bus = await createChangeBus({ redisUrl: TEST_REDIS_URL, channel, metrics, logger: logs.logger });
    opened.push(bus);
    const heard = listen(bus);
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await raw.publish(channel, 'not json');
      await raw.publish(channel, JSON.stringify({ instanceId: 'other', seq: 1, changes: [{ id: 1 }] }));
      await raw.publish(channel, JSON.stringify({ instanceId: 'other', seq: 1, changes: [change('z')] }));
    } finally {
      await raw.quit();
    }
    await eventually(
      async () => heard,
      (h) => h.length > 0,
      5_000,
    );
    expect(heard).toEqual(['z']);
    const malformed = logs.lines.filter((l) => /malformed/.test(l.msg ?? ''));
    expect(malformed[0]).toMatchObject({ reason: expect.stringMatching(/^not JSON/) });
  });
});

describe.skipIf(!privateRedis)('createChangeBus: when Redis goes away and comes back', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = redisServerOn(await closedPort());
    await server.start();
  }, 20_000);

  afterAll(async () => {
    await server.kill();
  });

  it('keeps local delivery, counts what others missed, and fans out again after a restart', async () => {
    const channel = `figway:changes:test:${randomUUID()}`;
    const a = await openBus(server.url, channel);
    const b = await openBus(server.url, channel);
    a.bus.publish([change('before')]);
    await eventually(
      async () => b.heard,
      (h) => h.includes('before'),
      5_000,
    );

    await server.kill();
    await eventually(
      async () => [a.bus.fanOut, b.bus.fanOut],
      (s) => s.join() === 'disconnected,disconnected',
      5_000,
    );
    expect(await fanOutGauge(a.metrics)).toBe(0);
    a.bus.publish([change('down1')]);
    a.bus.publish([change('down2'), change('down3')]);
    await eventually(
      async () => a.heard,
      (h) => h.includes('down3'),
      1_000,
    );
    expect(a.heard).toEqual(['before', 'down1', 'down2', 'down3']);
    await eventually(
      () => lostToRedis(a.metrics),
      (n) => n === 3,
      1_000,
    );

    await server.start();
    await eventually(
      async () => [a.bus.fanOut, b.bus.fanOut],
      (s) => s.join() === 'connected,connected',
      10_000,
    );
    expect(await fanOutGauge(b.metrics)).toBe(1);
    a.bus.publish([change('after')]);
    await eventually(
      async () => b.heard,
      (h) => h.includes('after'),
      5_000,
    );
    expect(b.heard).toEqual(['before', 'after']);
    expect(await lostToRedis(a.metrics)).toBe(3);
  }, 30_000);

  it('starts disconnected when Redis is not there yet, with a warning, and connects when it comes', async () => {
    const late = redisServerOn(await closedPort());
    const logs = captureLogs('warn');
    const metrics = createGatewayMetrics();
    try {
      const bus = await createChangeBus({ redisUrl: late.url, metrics, logger: logs.logger });
      opened.push(bus);
      expect(bus.fanOut).toBe('disconnected');
      expect(logs.lines.some((l) => /could not connect to Redis at start/.test(l.msg ?? ''))).toBe(true);
      const heard = listen(bus);
      bus.publish([change('early')]);
      await eventually(
        async () => heard,
        (h) => h.length === 1,
        1_000,
      );
      await eventually(
        () => lostToRedis(metrics),
        (n) => n === 1,
        1_000,
      );
      await late.start();
      await eventually(
        async () => bus.fanOut,
        (s) => s === 'connected',
        10_000,
      );
      expect(await fanOutGauge(metrics)).toBe(1);
    } finally {
      await late.kill();
    }
  }, 30_000);
});
