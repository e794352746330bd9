import type { TestGateway } from '../harness/testGateway.ts';

/** What the shadow runner and observation writer have done so far, from the gateway's metrics and store. */
export interface ObservationTally {
  /** Comparisons judged (figway_shadow_observations_total without outcome `dropped`), by stage. */
  compared: Record<string, number>;
  /** Comparisons judged, by outcome (matched, mismatched, timeout, ...). */
  outcomes: Record<string, number>;
  /** Candidate reads not started at the in-flight cap (figway_shadow_samples_dropped_total). */
  dropped: number;
  /** Observations the writer could not store (figway_observations_lost_total). */
  lost: number;
  /** Rows in observations.observations. */
  stored: number;
}

async function counterValues(gateway: TestGateway, name: string) {
  const metric = gateway.metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values;
}

/** Waits for every comparison started so far to be stored, then tallies them. */
export async function tallyObservations(gateway: TestGateway): Promise<ObservationTally> {
  await gateway.settle();
  const compared: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const { labels, value } of await counterValues(gateway, 'figway_shadow_observations_total')) {
    if (labels.outcome === 'dropped') continue;
    compared[String(labels.stage)] = (compared[String(labels.stage)] ?? 0) + value;
    outcomes[String(labels.outcome)] = (outcomes[String(labels.outcome)] ?? 0) + value;
  }
  const total = async (name: string) =>
    (await counterValues(gateway, name)).reduce((sum, { value }) => sum + value, 0);
  const [row] = await gateway.db.query<{ n: number }>(
    'select count(*)::int as n from observations.observations',
  );
  return {
    compared,
    outcomes,
    dropped: await total('figway_shadow_samples_dropped_total'),
    lost: await total('figway_observations_lost_total'),
    stored: row?.n ?? 0,
  };
}

function minus(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value - (before[key] ?? 0) !== 0) difference[key] = value - (before[key] ?? 0);
  }
  return difference;
}

/** What happened between two tallies. */
export function tallySince(after: ObservationTally, before: ObservationTally): ObservationTally {
  return {
    compared: minus(after.compared, before.compared),
    outcomes: minus(after.outcomes, before.outcomes),
    dropped: after.dropped - before.dropped,
    lost: after.lost - before.lost,
    stored: after.stored - before.stored,
  };
}

/** The sum of two tallies of differences. */
export function addTallies(a: ObservationTally, b: ObservationTally): ObservationTally {
  const plus = (x: Record<string, number>, y: Record<string, number>) => {
    const sum = { ...x };
    for (const [key, value] of Object.entries(y)) sum[key] = (sum[key] ?? 0) + value;
    return sum;
  };
  return {
    compared: plus(a.compared, b.compared),
    outcomes: plus(a.outcomes, b.outcomes),
    dropped: a.dropped + b.dropped,
    lost: a.lost + b.lost,
    stored: a.stored + b.stored,
  };
}

/** A tally of nothing. */
export const EMPTY_TALLY: ObservationTally = { compared: {}, outcomes: {}, dropped: 0, lost: 0, stored: 0 };
