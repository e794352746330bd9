import { type MetricSample, scrapeMetrics, sumBy, sumOf } from './scrapeMetrics.ts';

/**
 * What a figway process's shadow machinery has done so far, from its /metrics. Reads
 * today's names and the names they replaced (a metric that is missing counts 0), so the
 * benchmark runs while the shadow runner changes.
 */
export interface ShadowCounters {
  /** Comparisons judged, by unit (`figway_shadow_observations_total`, outcome `dropped` left out). */
  comparisons: Record<string, number>;
  /**
   * Samples not taken, by reason (`figway_shadow_samples_skipped_total`; the former
   * `figway_shadow_samples_dropped_total` counts as reason `dropped`).
   */
  skipped: Record<string, number>;
  /** Samples not taken, by unit. */
  skippedByUnit: Record<string, number>;
  /** Observations accepted but not stored (`figway_shadow_observations_lost_total`, formerly `figway_observations_lost_total`). */
  lost: number;
  /** Each unit's effective sample rate now (`figway_shadow_sample_rate`); empty where the gauge is missing. */
  sampleRates: Record<string, number>;
}

function comparisonsOf(samples: readonly MetricSample[]): Record<string, number> {
  const byUnit: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'figway_shadow_observations_total' || sample.labels.outcome === 'dropped') continue;
    const unit = sample.labels.unit ?? '';
    byUnit[unit] = (byUnit[unit] ?? 0) + sample.value;
  }
  return byUnit;
}

function plus(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}

/** The shadow counters of the figway whose /metrics is at `metricsUrl`. */
export async function readShadowCounters(metricsUrl: string): Promise<ShadowCounters> {
  const samples = await scrapeMetrics(metricsUrl);
  const dropped = sumOf(samples, 'figway_shadow_samples_dropped_total');
  return {
    comparisons: comparisonsOf(samples),
    skipped: plus(
      sumBy(samples, 'figway_shadow_samples_skipped_total', 'reason'),
      dropped === 0 ? {} : { dropped },
    ),
    skippedByUnit: plus(
      sumBy(samples, 'figway_shadow_samples_skipped_total', 'unit'),
      sumBy(samples, 'figway_shadow_samples_dropped_total', 'unit'),
    ),
    lost:
      sumOf(samples, 'figway_shadow_observations_lost_total') +
      sumOf(samples, 'figway_observations_lost_total'),
    sampleRates: sumBy(samples, 'figway_shadow_sample_rate', 'unit'),
  };
}

function minus(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) difference[key] = delta;
  }
  return difference;
}

/** What happened between two readings; the sample rates are the later reading's. */
export function shadowCountersSince(after: ShadowCounters, before: ShadowCounters): ShadowCounters {
  return {
    comparisons: minus(after.comparisons, before.comparisons),
    skipped: minus(after.skipped, before.skipped),
    skippedByUnit: minus(after.skippedByUnit, before.skippedByUnit),
    lost: after.lost - before.lost,
    sampleRates: after.sampleRates,
  };
}

/** The sum of the values of `counts`. */
export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

/**
 * The mean effective sample rate of the units a run sampled or skipped, from the
 * gauge at its end; null when the gauge is missing or no unit was touched.
 */
export function meanSampleRate(run: ShadowCounters): number | null {
  const touched = new Set([...Object.keys(run.comparisons), ...Object.keys(run.skippedByUnit)]);
  const rates = [...touched].flatMap((unit) => {
    const rate = run.sampleRates[unit];
    return rate === undefined ? [] : [rate];
  });
  return rates.length === 0 ? null : rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
}
