/** One sample of a Prometheus text exposition: its name, labels and value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments and unreadable lines skipped). */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const [, name = '', labelText = '', valueText = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of labelText.matchAll(LABEL)) labels[key] = value;
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : Number(valueText);
    if (!Number.isNaN(value)) samples.push({ name, labels, value });
  }
  return samples;
}

/** GETs `url` (a /metrics endpoint) and parses its samples; rejects on a status other than 200. */
export async function scrapeMetrics(url: string): Promise<MetricSample[]> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return parseMetrics(await response.text());
}

/** The sum of the samples called `name` whose labels include every one of `labels`. */
export function sumOf(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const sample of samples) if (sample.name === name && hasLabels(sample, labels)) sum += sample.value;
  return sum;
}

const hasLabels = (sample: MetricSample, labels: Record<string, string>) =>
  Object.entries(labels).every(([key, value]) => sample.labels[key] === value);

/** The values of the samples called `name` whose labels include `labels`, summed by the value of label `by`. */
export function sumBy(
  samples: readonly MetricSample[],
  name: string,
  by: string,
  labels: Record<string, string> = {},
): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    const key = sample.labels[by];
    if (sample.name === name && key !== undefined && hasLabels(sample, labels))
      sums[key] = (sums[key] ?? 0) + sample.value;
  }
  return sums;
}

/**
 * A histogram's cumulative bucket counts (`<name>_bucket`) over the series whose labels
 * include `labels`, the rest summed, by upper bound (Infinity last).
 */
export function bucketsOf(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): Array<{ le: number; count: number }> {
  return Object.entries(sumBy(samples, `${name}_bucket`, 'le', labels))
    .map(([le, count]) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count }))
    .sort((a, b) => a.le - b.le);
}
