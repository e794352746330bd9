import { driveWorker, type WorkerDriver } from './driveWorker.ts';

/** One closed-loop load run: `concurrency` clients POST `query` to `url` for `durationMs`. */
export interface LoadSpec {
  url: string;
  query: string;
  headers: Record<string, string>;
  concurrency: number;
  durationMs: number;
}

/** What the load worker sends back: every request's latency in milliseconds, in completion order. */
export interface LoadOutcome {
  latencies: Float64Array;
  /** Requests that failed: a socket error, a status other than 200, or GraphQL errors in the body. */
  failures: number;
  elapsedMs: number;
  /** The body of the first answer, to check that every stage answers the same. */
  firstBody: string | null;
}

/** Throughput and latency of one load run. */
export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A load generator in a worker thread, kept for the whole benchmark so its JIT stays warm. */
export type LoadDriver = WorkerDriver<LoadSpec, LoadOutcome>;

/** Starts the worker thread that sends the benchmark's requests. */
export function driveLoad(): LoadDriver {
  return driveWorker(new URL('./loadWorker.ts', import.meta.url));
}

// Nearest-rank percentile of sorted values.
function percentile(sorted: Float64Array, share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/** Throughput and latency percentiles of several load runs of one setting, pooled. */
export function loadResult(outcomes: LoadOutcome[]): LoadResult {
  const sorted = new Float64Array(outcomes.reduce((sum, outcome) => sum + outcome.latencies.length, 0));
  let offset = 0;
  for (const outcome of outcomes) {
    sorted.set(outcome.latencies, offset);
    offset += outcome.latencies.length;
  }
  sorted.sort();
  const seconds = outcomes.reduce((sum, outcome) => sum + outcome.elapsedMs, 0) / 1000;
  return {
    requests: sorted.length,
    failures: outcomes.reduce((sum, outcome) => sum + outcome.failures, 0),
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}
