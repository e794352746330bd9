import type { TestEngine } from '../harness/databases.ts';
import { startTestGateway } from '../harness/testGateway.ts';
import { DEMO_TYPES } from '../src/backends/supabase/seed/demoCommitments.ts';
import { type LoadResult, loadResult } from './driveLoad.ts';
import type { WriteClient, WriteDriver, WriteOutcome } from './driveWrites.ts';
import { progress } from './measure.ts';
import {
  type MeasuredWriteRun,
  measureWriteRun,
  switchStage,
  tallyMirroredWrites,
  type WriteRun,
} from './measureWriteRun.ts';
import {
  addMirrorDeltas,
  EMPTY_MIRROR_DELTA,
  type LagSummary,
  lagSummary,
  type MirrorDelta,
} from './mirrorMetrics.ts';
import { mutationFlags, WRITE_STAGES, type WriteStage } from './mutationFlags.ts';

/** How long and how hard the writes benchmark drives the gateway. */
export interface WritesBenchSizes {
  /** Clients sending mutations at once, each waiting for its answer; they write as alice, bob, carol and dave in turn. */
  concurrency: number;
  /** Measured runs per stage; each round starts at the next stage, so every stage takes every place. */
  rounds: number;
  /** Length of one measured run. */
  measureMs: number;
  /** Unmeasured load per stage before the first round. */
  warmUpMs: number;
  /** Unmeasured load after each change of stage, before its measured run. */
  switchWarmUpMs: number;
  /** Every this-many-th mutation of a client is an attachDocument; the others are createCommitment. */
  attachEvery: number;
  /** Documents a commitment gets at most. */
  maxDocuments: number;
  /** How long the queues may take to empty after a run before what is left is reported. */
  drainDeadlineMs: number;
}

/** Every mutation unit at one stage: its runs, the lag and health of the mirror under that load. */
export interface WriteStageMeasurement {
  stage: WriteStage;
  /** Median of the runs' mutations per second. */
  perSecond: number;
  /** The runs pooled, for latency percentiles. */
  load: LoadResult;
  /** Each run alone, in the order run. */
  runs: WriteRun[];
  /** CPU milliseconds of the gateway's thread per mutation over the runs; null off Linux. */
  cpuMsPerMutation: number | null;
  /** Mirror lag percentiles over the runs and their drains, each way (from the lag histogram's buckets). */
  lag: { toTarget: LagSummary | null; toLegacy: LagSummary | null };
  /** Changes the mirror handled over the runs and drains, each way, by result. */
  changes: MirrorDelta['changes'];
  /** `figway_mirror_failures_total` over the runs and drains. */
  mirrorFailures: number;
  /** Writes the gateway handed to the mirror during the runs, by the stage it gave with them. */
  mirroredWrites: Record<string, number>;
  /** Percentiles of the time a write's own mirror took before its response; null when none was mirrored. */
  inlineMirror: { p50Ms: number; p99Ms: number } | null;
  /** Up to five messages of mutations answered with errors (or not answered). */
  failureSamples: string[];
}

/** The writes benchmark on one engine. */
export interface EngineWritesResult {
  engine: string;
  stages: WriteStageMeasurement[];
  /** Median mutations per second of `dualwrite` and `live`, each over `legacy`'s. */
  ratios: Record<'dualwrite' | 'live', number>;
  /** Open sync conflicts at the end of the benchmark. */
  openConflicts: number;
}

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

// Nearest-rank percentile.
function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

function sumCounts(counts: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const count of counts) {
    for (const [key, value] of Object.entries(count)) sum[key] = (sum[key] ?? 0) + value;
  }
  return sum;
}

function stageMeasurement(stage: WriteStage, measured: readonly MeasuredWriteRun[]): WriteStageMeasurement {
  const outcomes: WriteOutcome[] = measured.map((one) => one.outcome);
  const runs = measured.map((one) => one.run);
  const mirror = measured.map((one) => one.mirror).reduce(addMirrorDeltas, EMPTY_MIRROR_DELTA);
  const inlineMs = measured.flatMap((one) => one.inlineMirrorMs);
  const load = loadResult(outcomes);
  const cpuMs = runs.some((run) => run.cpuMs === null)
    ? null
    : runs.reduce((sum, run) => sum + (run.cpuMs ?? 0), 0);
  return {
    stage,
    perSecond: median(runs.map((run) => run.load.perSecond)),
    load,
    runs,
    cpuMsPerMutation: cpuMs === null ? null : cpuMs / load.requests,
    lag: { toTarget: lagSummary(mirror.lagBuckets.target), toLegacy: lagSummary(mirror.lagBuckets.legacy) },
    changes: mirror.changes,
    mirrorFailures: mirror.failures,
    mirroredWrites: sumCounts(measured.map((one) => one.mirroredWrites)),
    inlineMirror:
      inlineMs.length === 0 ? null : { p50Ms: percentile(inlineMs, 0.5), p99Ms: percentile(inlineMs, 0.99) },
    failureSamples: [...new Set(outcomes.flatMap((outcome) => outcome.failureSamples))].slice(0, 5),
  };
}

/**
 * Drives mutations through a gateway on `engine` (seeded legacy database with
 * change capture, backfilled ledger and OLTP targets, the mirror running both ways)
 * with every mutation unit at `legacy`, `dualwrite` and `live` in turn, through `driver`.
 */
export async function benchWrites(
  engine: TestEngine,
  driver: WriteDriver,
  sizes: WritesBenchSizes,
): Promise<EngineWritesResult> {
  progress(`${engine.name}: starting a gateway with the mirror over seeded legacy and backfilled targets`);
  const mirrored = tallyMirroredWrites();
  const gateway = await startTestGateway(engine, {
    targets: true,
    // The production default poll; LISTEN wakes the appliers sooner.
    sync: { pollMs: 1_000, onMirrored: mirrored.hear },
    flags: await mutationFlags('legacy'),
  });
  try {
    const clients: WriteClient[] = await Promise.all(
      Array.from({ length: sizes.concurrency }, async (_, index) => {
        const username = USERS[index % USERS.length] ?? 'alice';
        return { username, token: await gateway.tokenFor(username) };
      }),
    );
    let runs = 0;
    const load = (durationMs: number) => {
      runs += 1;
      return driver.run({
        url: gateway.gateway.url,
        clients,
        durationMs,
        typeIds: DEMO_TYPES.map((type) => type.id),
        attachEvery: sizes.attachEvery,
        maxDocuments: sizes.maxDocuments,
        runLabel: `run ${runs}`,
      });
    };
    for (const stage of WRITE_STAGES) {
      progress(`${engine.name}: warming up at ${stage}`);
      await switchStage(gateway, stage);
      await load(sizes.warmUpMs);
    }
    const measured = new Map<WriteStage, MeasuredWriteRun[]>(WRITE_STAGES.map((stage) => [stage, []]));
    for (let round = 0; round < sizes.rounds; round++) {
      // Rotating the order spreads drift (JIT, table growth, other processes) over every stage.
      const order = WRITE_STAGES.map(
        (_, index) => WRITE_STAGES[(index + round) % WRITE_STAGES.length] ?? 'legacy',
      );
      for (const stage of order) {
        progress(`${engine.name}: round ${round + 1} of ${sizes.rounds}, ${stage}`);
        await switchStage(gateway, stage);
        await load(sizes.switchWarmUpMs);
        const run = await measureWriteRun(
          gateway,
          () => load(sizes.measureMs),
          mirrored,
          sizes.drainDeadlineMs,
        );
        measured.get(stage)?.push(run);
      }
    }
    const stages = WRITE_STAGES.map((stage) => stageMeasurement(stage, measured.get(stage) ?? []));
    const perSecond = (stage: WriteStage) =>
      stages.find((one) => one.stage === stage)?.perSecond ?? Number.NaN;
    const status = await gateway.sync?.status();
    return {
      engine: engine.name,
      stages,
      ratios: {
        dualwrite: perSecond('dualwrite') / perSecond('legacy'),
        live: perSecond('live') / perSecond('legacy'),
      },
      openConflicts: status?.conflicts.open ?? 0,
    };
  } finally {
    await gateway.close();
  }
}
