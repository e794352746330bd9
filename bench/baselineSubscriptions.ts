import { randomBytes, randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type ChildServer, INSPECT, startBoth, startChildServer } from './childServer.ts';
import type { ChangeAnswer } from './paceChanges.ts';
import { postJson } from './postJson.ts';
import type { RunningSystem, SubscriptionSystem, SubscriptionTarget } from './subscriptionSystem.ts';

const SERVER = fileURLToPath(new URL('./bareSubscriptionServer.ts', import.meta.url));
const CHANGED = 'subscription BenchChanged($id: ID!) { commitmentChanged(id: $id) { id status updatedAt } }';

function listeningUrl(line: string): string | null {
  if (!line.startsWith('{"listening"')) return null;
  const { listening } = JSON.parse(line) as { listening?: unknown };
  return typeof listening === 'string' ? listening : null;
}

async function activeOn(server: ChildServer): Promise<number> {
  const response = await fetch(server.url.replace(/\/graphql$/, '/stats'));
  const { active } = (await response.json()) as { active?: unknown };
  return typeof active === 'number' ? active : 0;
}

/**
 * The baseline: two bare graphql-ws processes (bareSubscriptionServer.ts) fanning out
 * through `redisUrl` on a channel of their own, over `commitments` made-up ids with no
 * tokens; a change is a POST to instance A's /publish, its commit time A's clock at
 * the publish.
 */
export function baselineSubscriptions(options: {
  redisUrl: string;
  commitments: number;
}): SubscriptionSystem {
  const channel = `figway-bench:baseline:${randomBytes(4).toString('hex')}`;
  const targets: SubscriptionTarget[] = Array.from({ length: options.commitments }, () => ({
    id: randomUUID(),
    token: null,
  }));
  const statuses = targets.map(() => 'DRAFT');
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });

  function running(a: ChildServer, b: ChildServer): RunningSystem {
    const publishUrl = new URL(a.url.replace(/\/graphql$/, '/publish'));
    return {
      targets,
      urls: [a.url, b.url],
      processes: [a, b],
      active: async () => [await activeOn(a), await activeOn(b)],
      async change(index): Promise<ChangeAnswer> {
        const target = targets[index];
        if (target === undefined) return { ok: false, failure: `no target ${index}` };
        const status = statuses[index] === 'DRAFT' ? 'PROPOSED' : 'DRAFT';
        const payload = Buffer.from(JSON.stringify({ id: target.id, status }));
        const answer = await postJson(agent, publishUrl, {}, payload);
        const { at } = JSON.parse(answer.body) as { at?: unknown };
        if (answer.status !== 200 || typeof at !== 'number')
          return { ok: false, failure: `publish: status ${answer.status}: ${answer.body.slice(0, 120)}` };
        statuses[index] = status;
        return { ok: true, committedAt: at };
      },
      counters: async () => null,
      async stop() {
        await Promise.all([a.stop(), b.stop()]);
      },
    };
  }

  return {
    name: 'baseline',
    query: CHANGED,
    async start() {
      const env = { REDIS_URL: options.redisUrl, BENCH_CHANNEL: channel };
      const [a, b] = await startBoth(() =>
        startChildServer(process.execPath, [INSPECT, SERVER], env, listeningUrl, 30_000),
      );
      return running(a, b);
    },
    async close() {
      agent.destroy();
    },
  };
}
