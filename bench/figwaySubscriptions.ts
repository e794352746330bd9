import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { demoUser } from '../harness/testGateway.ts';
import { DEMO_TYPES } from '../src/backends/supabase/seed/demoCommitments.ts';
import { writeDefinitions } from '../src/routing/flagFiles.ts';
import { signSupabaseToken } from '../src/server/signToken.ts';
import { type ChildServer, INSPECT, startBoth, startChildServer } from './childServer.ts';
import { progress } from './measure.ts';
import { mutationFlags } from './mutationFlags.ts';
import type { ChangeAnswer } from './paceChanges.ts';
import { postJson } from './postJson.ts';
import { bucketsOf, type MetricSample, scrapeMetrics, sumBy, sumOf } from './scrapeMetrics.ts';
import type { RunningSystem, SubscriptionSystem, SubscriptionTarget } from './subscriptionSystem.ts';

const FIGWAY_BIN = fileURLToPath(new URL('../bin/figway.js', import.meta.url));
const ISSUER = 'http://127.0.0.1:54321/auth/v1';
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
const CREATE =
  'mutation BenchCreate($title: String!, $typeId: ID!) ' +
  '{ createCommitment(input: { title: $title, typeId: $typeId }) { id status } }';
// The trigger sets updated_at to the transaction's now(): the change's commit time, near enough.
const MOVE = 'update public.commitments set status = $2 where id = $1 returning updated_at';
const CHANGED = 'subscription BenchChanged($id: ID!) { commitmentChanged(id: $id) { id status updatedAt } }';

/** Where figway runs in the subscriptions benchmark. */
export interface FigwaySubscriptionsOptions {
  /** The production databases' environment (SUPABASE_DB_URL and the rest). */
  databases: Record<string, string>;
  redisUrl: string;
  /** Commitments to create through instance A (as alice, bob, carol and dave in turn) and change. */
  commitments: number;
}

interface CreateAnswer {
  data?: { createCommitment?: { id?: unknown; status?: unknown } | null } | null;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

// Creates one commitment through the gateway at `url` as the token's user; returns its id and status.
async function createCommitment(agent: Agent, url: URL, token: string, title: string) {
  const variables = { title, typeId: DEMO_TYPES[0]?.id };
  const payload = Buffer.from(JSON.stringify({ query: CREATE, variables }));
  const answer = await postJson(agent, url, { authorization: `Bearer ${token}` }, payload);
  let parsed: CreateAnswer = {};
  try {
    parsed = JSON.parse(answer.body) as CreateAnswer;
  } catch {
    // Not JSON: the error below quotes the body.
  }
  const created = parsed.data?.createCommitment;
  if (typeof created?.id !== 'string') {
    const errors = (parsed.errors ?? []).map(
      (error) => `${String(error.extensions?.code)}: ${String(error.message)}`,
    );
    throw new Error(
      `createCommitment failed (${answer.status}): ${errors.join('; ') || answer.body.slice(0, 120)}`,
    );
  }
  return { id: created.id, status: String(created.status) };
}

function listeningUrl(line: string): string | null {
  if (!line.includes('"figway is listening"')) return null;
  const { url } = JSON.parse(line) as { url?: unknown };
  return typeof url === 'string' ? url : null;
}

const metricsOf = (gateway: ChildServer) => scrapeMetrics(gateway.url.replace(/\/graphql$/, '/metrics'));

async function waitForFanOut(gateways: readonly ChildServer[]): Promise<void> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const samples = await Promise.all(gateways.map(metricsOf));
    if (samples.every((one) => sumOf(one, 'figway_subscription_fanout_connected') === 1)) return;
    if (performance.now() > deadline) throw new Error('the gateways did not connect to Redis within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * figway as the issue deploys it: two `figway serve` processes in production mode
 * over the same PostgreSQL databases, fanning changes out through Redis, with every
 * unit at `legacy` and the mirror's appliers on instance A only (B runs with
 * FIGWAY_SYNC_APPLIER=off). The commitments are created through A by the demo users,
 * who subscribe to their own. A change is a plain SQL status move on legacy (DRAFT and
 * PROPOSED in turn), as an app still writing to Supabase makes it: captured by the
 * triggers, claimed and published by A's applier, and heard by B only through Redis.
 */
export async function figwaySubscriptions(options: FigwaySubscriptionsOptions): Promise<SubscriptionSystem> {
  const dir = await mkdtemp(join(tmpdir(), 'figway-bench-subscriptions-'));
  const flagsPath = join(dir, 'flags.json');
  await writeDefinitions(flagsPath, await mutationFlags('legacy'));
  const secret = randomBytes(32).toString('base64url');
  const tokens = await Promise.all(
    USERS.map((name) => signSupabaseToken(demoUser(name), secret, { issuer: ISSUER, ttlSeconds: 3600 })),
  );
  const env = {
    ...options.databases,
    NODE_ENV: 'production',
    PORT: '0',
    LOG_LEVEL: 'info',
    SUPABASE_JWT_SECRET: secret,
    SUPABASE_JWT_ISSUER: ISSUER,
    FIGWAY_FLAGS_FILE: flagsPath,
    FIGWAY_SHADOW_SALT: randomBytes(16).toString('hex'),
    REDIS_URL: options.redisUrl,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const legacy = new pg.Pool({ connectionString: options.databases.SUPABASE_DB_URL, max: 16 });
  let closed = false;
  // An idle connection the server ends emits 'error' on the pool, which drops it. Once
  // closed, that is the databases being dropped: pool.end() resolves before its
  // connections have closed.
  legacy.on('error', (error) => {
    if (!closed) progress(`figway: an idle legacy connection was lost: ${error.message}`);
  });
  const targets: SubscriptionTarget[] = [];
  const statuses: string[] = [];

  async function createTargets(url: URL): Promise<void> {
    let next = 0;
    const creator = async () => {
      while (next < options.commitments) {
        const index = next++;
        const token = tokens[index % tokens.length] ?? '';
        const created = await createCommitment(agent, url, token, `Subscribed ${index}`);
        targets[index] = { id: created.id, token };
        statuses[index] = created.status;
      }
    };
    await Promise.all(Array.from({ length: 8 }, creator));
  }

  function running(a: ChildServer, b: ChildServer): RunningSystem {
    const metrics = () => Promise.all([metricsOf(a), metricsOf(b)]);
    const active = (samples: MetricSample[]) =>
      sumOf(samples, 'figway_subscriptions_active', { unit: 'Subscription.commitmentChanged' });
    return {
      targets,
      urls: [a.url, b.url],
      processes: [a, b],
      async active() {
        const [onA, onB] = await metrics();
        return [active(onA), active(onB)];
      },
      async change(index): Promise<ChangeAnswer> {
        const target = targets[index];
        if (target === undefined) return { ok: false, failure: `no target ${index}` };
        const status = statuses[index] === 'DRAFT' ? 'PROPOSED' : 'DRAFT';
        const { rows } = await legacy.query<{ updated_at: Date }>(MOVE, [target.id, status]);
        const [row] = rows;
        if (row === undefined) return { ok: false, failure: `commitment ${target.id} not found` };
        statuses[index] = status;
        return { ok: true, committedAt: row.updated_at.getTime() };
      },
      async counters() {
        const samples = (await metrics()).flat();
        return {
          sent: sumOf(samples, 'figway_subscription_deliveries_total'),
          lost: sumBy(samples, 'figway_subscription_events_lost_total', 'reason'),
          sendLatency: bucketsOf(samples, 'figway_subscription_latency_seconds'),
          mirrorLag: bucketsOf(samples, 'figway_mirror_lag_seconds', { to: 'target' }),
        };
      },
      async stop() {
        await Promise.all([a.stop(), b.stop()]);
      },
    };
  }

  return {
    name: 'figway',
    query: CHANGED,
    async start() {
      const [a, b] = await startBoth((index) =>
        startChildServer(
          process.execPath,
          [INSPECT, FIGWAY_BIN, 'serve'],
          // Only A runs the mirror's appliers, so only A publishes legacy's changes.
          index === 0 ? env : { ...env, FIGWAY_SYNC_APPLIER: 'off' },
          listeningUrl,
        ),
      );
      try {
        await waitForFanOut([a, b]);
        if (targets.length === 0) await createTargets(new URL(a.url));
      } catch (error) {
        await Promise.all([a.stop(), b.stop()]);
        throw error;
      }
      return running(a, b);
    },
    async close() {
      closed = true;
      agent.destroy();
      await legacy.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
