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
  /** PostgreSQL's CPU per request (every database of both sides, and the observation store). */
  databaseCpuMsPerRequest: number | null;
  /** The load generator's CPU per request. */
  loadCpuMsPerRequest: number;
  /**
   * The machine's CPU per request: the server's, PostgreSQL's and the load generator's.
   * On a machine they keep busy, requests/s goes as its inverse.
   */
  machineCpuMsPerRequest: number | null;
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
  /** The machine's CPU per request (server, PostgreSQL, load generator), over `over`'s. */
  machineCpu: number | null;
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

// The median when every run knows the figure; null otherwise.
function medianIfAllKnown(values: ReadonlyArray<number | null>): number | null {
  return values.some((value) => value === null) ? null : median(values.map((value) => value ?? Number.NaN));
}

function machineCpuOf(run: PeerRun): number | null {
  if (run.cpuMsPerRequest === null || run.databaseCpuMsPerRequest === null) return null;
  return run.cpuMsPerRequest + run.databaseCpuMsPerRequest + run.loadCpuMsPerRequest;
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
    cpuMsPerRequest: medianIfAllKnown(mine.map((run) => run.cpuMsPerRequest)),
    databaseCpuMsPerRequest: medianIfAllKnown(mine.map((run) => run.databaseCpuMsPerRequest)),
    loadCpuMsPerRequest: median(mine.map((run) => run.loadCpuMsPerRequest)),
    machineCpuMsPerRequest: medianIfAllKnown(mine.map(machineCpuOf)),
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
  const quotient = (value: number | null | undefined, baseValue: number | null | undefined) =>
    value === null || value === undefined || baseValue === null || baseValue === undefined
      ? null
      : value / baseValue;
  return {
    query,
    setting,
    over,
    throughput: (of?.perSecond ?? Number.NaN) / (base?.perSecond ?? Number.NaN),
    p99: (of?.p99Ms ?? Number.NaN) / (base?.p99Ms ?? Number.NaN),
    cpu: quotient(of?.cpuMsPerRequest, base?.cpuMsPerRequest),
    machineCpu: quotient(of?.machineCpuMsPerRequest, base?.machineCpuMsPerRequest),
  };
}

/**
 * The best `shadow`@1 and `live` could do against `legacy` on this machine if figway's
 * own work for the candidate cost nothing, from the machine's CPU per request (the
 * benchmark keeps every core busy, so requests/s goes as its inverse): `shadow`@1 adds
 * the target's database work (as `complete` measured it) to a `legacy` request, and
 * `live` adds legacy's database work (as `legacy` measured it) to a `complete` one.
 */
export interface PeerCeiling {
  query: string;
  shadow: number | null;
  live: number | null;
}

/** The ceilings of `query` from its cells; null where a figure is unknown. */
export function peerCeiling(cells: readonly PeerCell[], query: string): PeerCeiling {
  const cell = (setting: PeerSetting) => cells.find((of) => of.query === query && of.setting === setting);
  const legacy = cell('legacy');
  const complete = cell('complete');
  const machine = (of: PeerCell | undefined) => of?.machineCpuMsPerRequest ?? null;
  const database = (of: PeerCell | undefined) => of?.databaseCpuMsPerRequest ?? null;
  const ceiling = (base: number | null, served: number | null, added: number | null) =>
    base === null || served === null || added === null ? null : base / (served + added);
  return {
    query,
    shadow: ceiling(machine(legacy), machine(legacy), database(complete)),
    live: ceiling(machine(legacy), machine(complete), database(legacy)),
  };
}
