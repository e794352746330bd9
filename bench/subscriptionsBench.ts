import { loadavg } from 'node:os';
import { TEST_POSTGRES_URL, testEngines } from '../harness/databases.ts';
import { baselineSubscriptions } from './baselineSubscriptions.ts';
import { benchMachine } from './benchMachine.ts';
import { driveSubscribers } from './driveSubscribers.ts';
import { figwaySubscriptions } from './figwaySubscriptions.ts';
import type { GatewayBenchReport } from './gatewayBenchReport.ts';
import { progress } from './measure.ts';
import type { SubscriptionPhase } from './measureSubscriptionPhase.ts';
import {
  measureSubscriptionRun,
  type SubscriptionRun,
  type SubscriptionRunSizes,
} from './measureSubscriptionRun.ts';
import { startPrivateRedis } from './privateRedis.ts';
import { createProductionDatabases } from './productionDatabases.ts';
import type { SubscriptionSystem } from './subscriptionSystem.ts';

/** How many subscribers, over how many commitments, and how the changes stream. */
export interface SubscriptionsBenchSizes extends SubscriptionRunSizes {
  /** Subscriber counts, each a run of each system on fresh instances. */
  subscribers: number[];
  /** Commitments the changes go to and the subscriptions are spread over. */
  commitments: number;
}

/** figway's figures over the baseline's, at one subscriber count and phase; above 1 is worse for figway. */
export interface SubscriptionRatio {
  subscribers: number;
  phase: SubscriptionPhase['phase'];
  p50: number;
  p99: number;
  /** CPU per 1,000 deliveries, the change path's own CPU taken out of both. */
  netCpu: number | null;
  /** Heap per subscription. */
  memory: number | null;
}

/** The subscriptions benchmark on PostgreSQL and Redis: every run, and figway's ratios to the baseline. */
export interface EngineSubscriptionsResult {
  engine: 'postgres';
  runs: SubscriptionRun[];
  ratios: SubscriptionRatio[];
}

/** Everything one subscriptions benchmark run measured; `--json` prints this object. */
export type SubscriptionsBenchReport = GatewayBenchReport<SubscriptionsBenchSizes, EngineSubscriptionsResult>;

/** Bytes the instances' heaps (after a full collection) gained per 1,000 subscriptions, or null when unknown. */
export function heapPer1000(run: SubscriptionRun): number | null {
  const { heapBeforeBytes, heapAfterBytes } = run.memory;
  if (heapBeforeBytes === null || heapAfterBytes === null) return null;
  return ((heapAfterBytes - heapBeforeBytes) * 1000) / run.subscribers;
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a / b;
}

function ratios(runs: readonly SubscriptionRun[], sizes: SubscriptionsBenchSizes): SubscriptionRatio[] {
  const found: SubscriptionRatio[] = [];
  for (const subscribers of sizes.subscribers) {
    const figway = runs.find((run) => run.system === 'figway' && run.subscribers === subscribers);
    const baseline = runs.find((run) => run.system === 'baseline' && run.subscribers === subscribers);
    if (figway === undefined || baseline === undefined) continue;
    for (const phase of figway.phases) {
      const other = baseline.phases.find((one) => one.phase === phase.phase);
      if (other === undefined) continue;
      found.push({
        subscribers,
        phase: phase.phase,
        p50: phase.latency.p50Ms / other.latency.p50Ms,
        p99: phase.latency.p99Ms / other.latency.p99Ms,
        netCpu: ratioOf(phase.netCpuMsPer1000, other.netCpuMsPer1000),
        memory: ratioOf(heapPer1000(figway), heapPer1000(baseline)),
      });
    }
  }
  return found;
}

async function runEverySize(
  systems: readonly SubscriptionSystem[],
  sizes: SubscriptionsBenchSizes,
): Promise<SubscriptionRun[]> {
  const workers = [driveSubscribers(), driveSubscribers()] as const;
  const runs: SubscriptionRun[] = [];
  try {
    for (const subscribers of sizes.subscribers) {
      for (const system of systems) {
        runs.push(await measureSubscriptionRun(system, [workers[0], workers[1]], subscribers, sizes));
      }
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
  return runs;
}

/**
 * Runs the baseline and figway at each subscriber count, on two instances each over a
 * redis-server of the benchmark's own (figway over fresh PostgreSQL databases), and
 * reports the runs with figway's ratios to the baseline. Without a reachable
 * PostgreSQL the report has no engine and says why.
 */
export async function benchSubscriptions(sizes: SubscriptionsBenchSizes): Promise<SubscriptionsBenchReport> {
  const [loadBefore = 0] = loadavg();
  const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
  const report = (engines: EngineSubscriptionsResult[], skipped: string[]): SubscriptionsBenchReport => ({
    machine: benchMachine(),
    nodeEnv: process.env.NODE_ENV ?? null,
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sizes,
    engines,
    skipped,
  });
  if (postgres === undefined)
    return report(
      [],
      [`postgres: not reachable (${TEST_POSTGRES_URL}); the subscriptions benchmark needs it`],
    );
  progress('subscriptions: starting a redis-server of our own');
  const redis = await startPrivateRedis();
  const systems: SubscriptionSystem[] = [];
  try {
    progress('subscriptions: creating, seeding and backfilling the PostgreSQL databases');
    const databases = await createProductionDatabases(postgres);
    try {
      systems.push(baselineSubscriptions({ redisUrl: redis.url, commitments: sizes.commitments }));
      systems.push(
        await figwaySubscriptions({
          databases: databases.env,
          redisUrl: redis.url,
          commitments: sizes.commitments,
        }),
      );
      const runs = await runEverySize(systems, sizes);
      return report([{ engine: 'postgres', runs, ratios: ratios(runs, sizes) }], []);
    } finally {
      await Promise.all(systems.map((system) => system.close()));
      await databases.drop();
    }
  } finally {
    await redis.stop();
  }
}
