import { setTimeout as sleep } from 'node:timers/promises';
import type { FigwayReader } from './figwayReader.ts';
import { fireLoad, type LoadFigures, type LoadPlan } from './fireLoad.ts';
import { postgresCpuMs, processCpuMs } from './processUsage.ts';
import {
  meanSampleRate,
  readShadowCounters,
  type ShadowCounters,
  shadowCountersSince,
  total,
} from './shadowCounters.ts';
import type { BenchStage } from './stageFlags.ts';

/** A system and stage the peers benchmark measures: the bare peer, or figway at a stage and sample rate. */
export type PeerSetting = 'bare' | 'legacy' | 'shadow@1' | 'shadow@0.1' | 'live' | 'complete';

/** Every setting, in the order the table prints them; each round visits them all, rotated. */
export const PEER_SETTINGS: readonly PeerSetting[] = [
  'bare',
  'legacy',
  'shadow@1',
  'shadow@0.1',
  'live',
  'complete',
];

/** Where a setting is served: its URL, its process, and for figway the reader and the stage to move it to. */
export interface PeerTarget {
  setting: PeerSetting;
  url: string;
  pid: number;
  figway: { reader: FigwayReader; stage: BenchStage } | null;
}

/** What figway's shadow machinery did in one run, settled after it. */
export interface ShadowRunCounts {
  /** Comparisons judged (`figway_shadow_observations_total`). */
  comparisons: number;
  /** Samples not taken, by reason. */
  skipped: Record<string, number>;
  /** Observations accepted but not stored. */
  lost: number;
  /** Rows the run added to the observation store. */
  stored: number;
  /** Mean effective sample rate of the units the run touched, at its end; null when not reported. */
  sampleRate: number | null;
  /** False when the store kept growing, or stayed short of the comparisons, until the deadline. */
  settled: boolean;
}

/** One timed run of one query on one setting. */
export interface PeerRun {
  setting: PeerSetting;
  query: string;
  round: number;
  load: LoadFigures;
  /** CPU of the server's process (every thread) per request, over the timed load; null off Linux. */
  cpuMsPerRequest: number | null;
  /** CPU of every PostgreSQL process on the machine per request, over the timed load; null when none runs here. */
  databaseCpuMsPerRequest: number | null;
  /** CPU of the benchmark's own process (the load generator) per request, over the timed load. */
  loadCpuMsPerRequest: number;
  /** Null for the bare peer. */
  shadow: ShadowRunCounts | null;
}

const SETTLE_POLL_MS = 100;
// The observation writer flushes every 200 ms: half a second without a new row is a stop.
const STILL_POLLS = 5;
const SETTLE_DEADLINE_MS = 20_000;

// Waits until the comparisons the run started are judged and stored (the row count
// reaches the comparisons, or stops growing), and returns the run's counts.
async function settle(
  reader: FigwayReader,
  before: ShadowCounters,
  storedBefore: number,
  countStored: () => Promise<number>,
): Promise<ShadowRunCounts> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS;
  let last: { comparisons: number; stored: number } | null = null;
  let still = 0;
  for (;;) {
    const run = shadowCountersSince(await readShadowCounters(reader.metricsUrl), before);
    const now = { comparisons: total(run.comparisons), stored: (await countStored()) - storedBefore };
    const steady = last !== null && now.comparisons === last.comparisons;
    still = steady && now.stored === last?.stored ? still + 1 : 0;
    const settled = steady && now.stored >= now.comparisons;
    if (settled || still >= STILL_POLLS || performance.now() > deadline) {
      const { comparisons, stored } = now;
      return {
        comparisons,
        stored,
        settled,
        skipped: run.skipped,
        lost: run.lost,
        sampleRate: meanSampleRate(run),
      };
    }
    last = now;
    await sleep(SETTLE_POLL_MS);
  }
}

/**
 * Runs `plan` once against `target` and measures it: the load's figures, the CPU per
 * request over the load of the server's process, of PostgreSQL's and of the load
 * generator's (read from /proc and process.cpuUsage before and after), and for
 * figway what its shadow machinery did, from /metrics before the run and once settled.
 */
export async function measurePeerRun(
  target: PeerTarget,
  plan: LoadPlan,
  round: number,
  query: string,
  countStored: () => Promise<number>,
): Promise<PeerRun> {
  const reader = target.figway?.reader ?? null;
  const before = reader === null ? null : await readShadowCounters(reader.metricsUrl);
  const storedBefore = reader === null ? 0 : await countStored();
  const cpuBefore = processCpuMs(target.pid);
  const databaseBefore = postgresCpuMs();
  const loadBefore = process.cpuUsage();
  const load = await fireLoad(plan);
  const loadCpu = process.cpuUsage(loadBefore);
  const databaseAfter = postgresCpuMs();
  const cpuAfter = processCpuMs(target.pid);
  const perRequest = (before: number | null, after: number | null) =>
    before === null || after === null ? null : (after - before) / load.requests;
  const shadow =
    reader === null || before === null ? null : await settle(reader, before, storedBefore, countStored);
  return {
    setting: target.setting,
    query,
    round,
    load,
    cpuMsPerRequest: perRequest(cpuBefore, cpuAfter),
    databaseCpuMsPerRequest: perRequest(databaseBefore, databaseAfter),
    loadCpuMsPerRequest: (loadCpu.user + loadCpu.system) / 1000 / load.requests,
    shadow,
  };
}
