import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testEngines } from '../../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { GatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { SLOW_CONSUMER } from '../../src/server/serveSubscriptions.ts';
import { eventually } from '../support/eventually.ts';
import { type Subscriber, subscribe } from '../support/subscriber.ts';
import { wsUrlOf } from '../support/wsClient.ts';

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const CHANGED = `subscription ($id: ID!) { commitmentChanged(id: $id) {
  id title description terms status parties { role profile { username displayName } }
  documents { name url version }
} }`;
const QUEUE_LIMIT = 20;
// Changes made before waiting for the fast subscriber to hear them: well under the queue
// limit, so a subscriber that keeps reading is never cut off by a burst.
const ROUND = 5;
// A contract's terms, which every event carries: with 200-character titles alone a
// stalled socket's kernel buffers (several MB on loopback) take thousands of events to
// fill, and graphql-ws's keep-alive ends a socket that answers no ping within 24 s.
const TERMS_BYTES = 64 * 1024;
const CUT_DEADLINE_MS = 20_000;

/** A subscriber speaking graphql-transport-ws over `ws` itself, so that it can stop reading its socket. */
interface RawSubscriber {
  /** `ws.pause()` stops reading the TCP socket: the kernel's buffers fill, and the server's sends stall. */
  ws: WebSocket;
  /** `next` messages read so far. */
  nexts: number;
  closed: Promise<{ code: number; reason: string }>;
}

async function openRawSubscriber(
  httpUrl: string,
  token: string,
  variables: Record<string, unknown>,
): Promise<RawSubscriber> {
  const ws = new WebSocket(wsUrlOf(httpUrl), 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const acknowledged = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const { type } = JSON.parse(String(data)) as { type: string };
      if (type === 'connection_ack') resolve();
      if (type === 'next') subscriber.nexts += 1;
    });
  });
  const subscriber: RawSubscriber = { ws, nexts: 0, closed };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acknowledged;
  ws.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query: CHANGED, variables } }));
  return subscriber;
}

/** The value of a counter for `reason`, as /metrics would show it. */
async function counted(metrics: GatewayMetrics, name: string, reason: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const titleOf = (change: number) => `Change ${change} `.padEnd(200, '.');

for (const engine of await testEngines()) {
  describe(`a subscriber too slow to keep up (${engine.name})`, () => {
    let gateway: TestGateway;
    let fast: Subscriber | undefined;
    let stalled: RawSubscriber | undefined;

    beforeAll(async () => {
      gateway = await startTestGateway(engine, {
        targets: true,
        sync: { pollMs: 100 },
        subscriptions: { queueLimit: QUEUE_LIMIT },
      });
      await gateway.db.query('update public.commitments set terms = $2 where id = $1', [
        ALICE_ACTIVE,
        ''.padEnd(TERMS_BYTES, 'Repayment in monthly instalments. '),
      ]);
      // Mirrored before anyone subscribes, so that it is nobody's event.
      await eventually(
        async () => (await gateway.sync?.status())?.toTarget.pending,
        (pending) => pending === 0,
        10_000,
      );
    });
    afterAll(async () => {
      await fast?.close();
      stalled?.ws.terminate();
      await gateway?.close();
    });

    it('cuts off a socket that stopped reading with 4008, while a fast one on the instance keeps receiving', async () => {
      const token = await gateway.tokenFor('alice');
      const variables = { id: ALICE_ACTIVE };
      const listening = subscribe(gateway.gateway.url, CHANGED, { token, variables });
      fast = listening;
      const slow = await openRawSubscriber(gateway.gateway.url, token, variables);
      stalled = slow;
      await eventually(
        async () => gateway.subscriptions?.hub.active,
        (active) => active === 2,
        10_000,
      );
      slow.ws.pause();

      let changes = 0;
      const rename = async () => {
        changes += 1;
        await gateway.db.query('update public.commitments set title = $2 where id = $1', [
          ALICE_ACTIVE,
          titleOf(changes),
        ]);
      };
      const cutOff = () =>
        counted(gateway.metrics, 'figway_subscription_sockets_closed_total', 'slow_consumer');
      const started = performance.now();
      while ((await cutOff()) < 1) {
        if (performance.now() - started > CUT_DEADLINE_MS)
          throw new Error(`the stalled socket was not cut off after ${changes} changes`);
        for (let i = 0; i < ROUND; i += 1) await rename();
        await listening.received(changes);
      }

      // The instance still serves the fast subscriber: the next change reaches it.
      await rename();
      const events = await listening.received(changes);
      expect(events).toHaveLength(changes);
      expect(events.at(-1)?.data?.commitmentChanged).toMatchObject({ title: titleOf(changes) });
      expect(listening.closed).toBeNull();
      expect(await cutOff()).toBe(1);

      // Read again, the slow socket gets what its buffers held, then the server's close.
      slow.ws.resume();
      expect(await within(slow.closed, 10_000, 'the slow socket closing')).toEqual({
        code: SLOW_CONSUMER.code,
        reason: SLOW_CONSUMER.reason,
      });
      expect(slow.nexts).toBeLessThan(changes);
      expect(
        await counted(gateway.metrics, 'figway_subscription_events_lost_total', 'slow_consumer'),
      ).toBeGreaterThan(0);
    }, 60_000);
  });
}
