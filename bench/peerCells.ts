import type { PeerRun, PeerSetting } from './measurePeerRun.ts';

/** What figway's shadow machinery did over every run of one cell. */
export interface ShadowCellCounts {
  comparisons: number;
  skipped: Record<string, number>;
  lost: number;
  stored: number;
  /** Comparisons over comparisons plus samples skipped for a full observation queue; null when neither happened. */
  comparedShare: number | null;
  /** Median over the runs of their mean effective sample rate; null when figway does not report it. */
  sampleRate: number | null;
  /** Runs whose observations were still short of their comparisons at the deadline. */
  unsettledRuns: number;
}

/** One query on one setting: the medians of its runs, one per round. */
export interface PeerCell {
  setting: PeerSetting;
  query: string;
  runs: PeerRun[];
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number | null;
  /** Answers compared byte for byte with figway's at legacy, over every run (all equal). */
  checked: number;
  shadow: ShadowCellCounts | null;
}

/** One setting over another on one query: requests/s, p99 latency and CPU per request. */
export interface PeerRatio {
  query: string;
  setting: PeerSetting;
  over: PeerSetting;
  throughput: number;
  p99: number;
  cpu: number | null;
}

/** The median of `values`; NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : median(known);
}

function shadowCell(runs: readonly PeerRun[]): ShadowCellCounts | null {
  const counts = runs.flatMap((run) => (run.shadow === null ? [] : [run.shadow]));
  if (counts.length === 0) return null;
  const skipped: Record<string, number> = {};
  for (const count of counts)
    for (const [reason, value] of Object.entries(count.skipped))
      skipped[reason] = (skipped[reason] ?? 0) + value;
  const comparisons = counts.reduce((sum, count) => sum + count.comparisons, 0);
  const queueFull = skipped.queue_full ?? 0;
  return {
    comparisons,
    skipped,
    lost: counts.reduce((sum, count) => sum + count.lost, 0),
    stored: counts.reduce((sum, count) => sum + count.stored, 0),
    comparedShare: comparisons + queueFull === 0 ? null : comparisons / (comparisons + queueFull),
    sampleRate: medianOrNull(counts.map((count) => count.sampleRate)),
    unsettledRuns: counts.filter((count) => !count.settled).length,
  };
}

/** The cell of `setting` and `query` from its runs. */
export function peerCell(setting: PeerSetting, query: string, runs: readonly PeerRun[]): PeerCell {
  const mine = runs.filter((run) => run.setting === setting && run.query === query);
  return {
    setting,
    query,
    runs: mine,
    perSecond: median(mine.map((run) => run.load.perSecond)),
    p50Ms: median(mine.map((run) => run.load.p50Ms)),
    p99Ms: median(mine.map((run) => run.load.p99Ms)),
    cpuMsPerRequest: mine.some((run) => run.cpuMsPerRequest === null)
      ? null
      : median(mine.map((run) => run.cpuMsPerRequest ?? Number.NaN)),
    checked: mine.reduce((sum, run) => sum + run.load.checked, 0),
    shadow: shadowCell(mine),
  };
}

/** `setting` over `over` on `query`, from their cells' medians. */
export function peerRatio(
  cells: readonly PeerCell[],
  query: string,
  setting: PeerSetting,
  over: PeerSetting,
): PeerRatio {
  const of = cells.find((cell) => cell.query === query && cell.setting === setting);
  const base = cells.find((cell) => cell.query === query && cell.setting === over);
  const cpu = of?.cpuMsPerRequest ?? null;
  const baseCpu = base?.cpuMsPerRequest ?? null;
  return {
    query,
    setting,
    over,
    throughput: (of?.perSecond ?? Number.NaN) / (base?.perSecond ?? Number.NaN),
    p99: (of?.p99Ms ?? Number.NaN) / (base?.p99Ms ?? Number.NaN),
    cpu: cpu === null || baseCpu === null ? null : cpu / baseCpu,
  };
}
