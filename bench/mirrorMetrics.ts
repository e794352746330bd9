import type { Side } from '../src/core/stage.ts';
import type { GatewayMetrics } from '../src/reports/gatewayMetrics.ts';

/** The mirror's metrics at one moment, as read from the gateway's registry (or, as a {@link MirrorDelta}, what moved over a span). */
export interface MirrorSnapshot {
  /** Cumulative `figway_mirror_lag_seconds` bucket counts by the side mirrored to, by upper bound (Infinity last). */
  lagBuckets: Record<Side, Array<{ le: number; count: number }>>;
  /** `figway_mirror_changes_total` by the side mirrored to and result. */
  changes: Record<Side, Record<string, number>>;
  /** `figway_mirror_failures_total`, every unit and side summed. */
  failures: number;
}

/** Mirror lag percentiles of a span, in seconds, or null when nothing was applied that way. */
export interface LagSummary {
  p50: number;
  p99: number;
  samples: number;
}

/** What the mirror did over a span: the lag bucket counts and the counters that moved. */
export type MirrorDelta = MirrorSnapshot;

/** A span in which the mirror did nothing. */
export const EMPTY_MIRROR_DELTA: MirrorDelta = {
  lagBuckets: { target: [], legacy: [] },
  changes: { target: {}, legacy: {} },
  failures: 0,
};

const SIDES: readonly Side[] = ['target', 'legacy'];

function sideOf(value: unknown): Side | null {
  return value === 'target' || value === 'legacy' ? value : null;
}

/** Reads the mirror's lag histogram and counters from `metrics`. */
export async function readMirrorMetrics(
  metrics: Pick<GatewayMetrics, 'mirrorLag' | 'mirrorChanges' | 'mirrorFailures'>,
): Promise<MirrorSnapshot> {
  const snapshot: MirrorSnapshot = {
    lagBuckets: { target: [], legacy: [] },
    changes: { target: {}, legacy: {} },
    failures: 0,
  };
  for (const { labels, value, metricName } of (await metrics.mirrorLag.get()).values) {
    const side = sideOf(labels.to);
    if (side === null || metricName !== 'figway_mirror_lag_seconds_bucket') continue;
    const le = String((labels as Record<string, unknown>).le);
    snapshot.lagBuckets[side].push({
      le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
      count: value,
    });
  }
  for (const side of SIDES) snapshot.lagBuckets[side].sort((a, b) => a.le - b.le);
  for (const { labels, value } of (await metrics.mirrorChanges.get()).values) {
    const side = sideOf(labels.to);
    if (side !== null) snapshot.changes[side][String(labels.result)] = value;
  }
  for (const { value } of (await metrics.mirrorFailures.get()).values) snapshot.failures += value;
  return snapshot;
}

// Prometheus's histogram_quantile: the rank's bucket, interpolated linearly within
// it; a rank in the +Inf bucket answers the largest finite bound.
function bucketQuantile(buckets: ReadonlyArray<{ le: number; count: number }>, share: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  const rank = share * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound;
      return count === lowerCount
        ? le
        : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = Number.isFinite(le) ? le : lowerBound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Lag percentiles of a span's buckets, or null when nothing was applied that way. */
export function lagSummary(buckets: ReadonlyArray<{ le: number; count: number }>): LagSummary | null {
  const samples = buckets.at(-1)?.count ?? 0;
  if (samples === 0) return null;
  return { p50: bucketQuantile(buckets, 0.5), p99: bucketQuantile(buckets, 0.99), samples };
}

type Buckets = ReadonlyArray<{ le: number; count: number }>;

// Bucket by bucket, `sign` 1 adds, -1 subtracts; bounds missing on one side count 0.
function combineBuckets(a: Buckets, b: Buckets, sign: 1 | -1): Array<{ le: number; count: number }> {
  const bounds = [...new Set([...a, ...b].map((bucket) => bucket.le))].sort((x, y) => x - y);
  const countAt = (buckets: Buckets, le: number) => buckets.find((bucket) => bucket.le === le)?.count ?? 0;
  return bounds.map((le) => ({ le, count: countAt(a, le) + sign * countAt(b, le) }));
}

function combineCounts(
  a: Record<string, number>,
  b: Record<string, number>,
  sign: 1 | -1,
): Record<string, number> {
  const combined: Record<string, number> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const count = (a[key] ?? 0) + sign * (b[key] ?? 0);
    if (count !== 0) combined[key] = count;
  }
  return combined;
}

function combine(a: MirrorDelta, b: MirrorDelta, sign: 1 | -1): MirrorDelta {
  return {
    lagBuckets: {
      target: combineBuckets(a.lagBuckets.target, b.lagBuckets.target, sign),
      legacy: combineBuckets(a.lagBuckets.legacy, b.lagBuckets.legacy, sign),
    },
    changes: {
      target: combineCounts(a.changes.target, b.changes.target, sign),
      legacy: combineCounts(a.changes.legacy, b.changes.legacy, sign),
    },
    failures: a.failures + sign * b.failures,
  };
}

/** What the mirror did from `before` to `after`. */
export function mirrorDelta(before: MirrorSnapshot, after: MirrorSnapshot): MirrorDelta {
  return combine(after, before, -1);
}

/** Two spans' work pooled, so percentiles are taken over both. */
export function addMirrorDeltas(a: MirrorDelta, b: MirrorDelta): MirrorDelta {
  return combine(a, b, 1);
}
