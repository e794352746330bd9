import autocannon from 'autocannon';

/** One closed-loop load run: autocannon POSTs `query` to `url` over `connections` keep-alive connections. */
export interface LoadPlan {
  /** Names the system, stage and query in error messages. */
  label: string;
  url: string;
  token: string;
  query: string;
  connections: number;
  /** Whole seconds: autocannon ends a run on its one-second tick. */
  seconds: number;
  /** The body every checked answer must equal, byte for byte. */
  expectedBody: string;
  /** Checks the first answer and then one in `checkEvery`. */
  checkEvery: number;
}

/** Throughput and latency of one load run, with how many answers were compared. */
export interface LoadFigures {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers compared byte for byte with the expected body (all equal, or the run threw). */
  checked: number;
}

// Nearest-rank percentile of sorted values.
function percentile(sorted: Float64Array, share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/** Where two bodies first differ, with a little of each around it, for an error message. */
export function firstDifference(expected: string, actual: string): string {
  let index = 0;
  while (index < expected.length && expected[index] === actual[index]) index++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, index - 40), index + 80));
  return `at character ${index}: expected ${around(expected)}, got ${around(actual)}`;
}

/**
 * Runs `plan` with autocannon and times every answer itself (autocannon's histogram
 * keeps whole milliseconds). Rejects, once the run has stopped, when an answer failed
 * (a socket error, a timeout, a status other than 2xx) or a checked answer differs
 * from `expectedBody`: either makes the run's figures meaningless.
 */
export async function fireLoad(plan: LoadPlan): Promise<LoadFigures> {
  const latencies: number[] = [];
  let seen = 0;
  let checked = 0;
  let mismatch: string | null = null;
  const started = performance.now();
  const options: autocannon.Options = {
    url: plan.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.token}` },
    body: JSON.stringify({ query: plan.query }),
    connections: plan.connections,
    duration: plan.seconds,
    // The first failure or difference ends the run at the next tick.
    bailout: 1,
    verifyBody(body) {
      if (seen++ % plan.checkEvery !== 0) return true;
      checked += 1;
      const text = String(body);
      if (text === plan.expectedBody) return true;
      mismatch ??= firstDifference(plan.expectedBody, text);
      return false;
    },
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, done: autocannon.Result) =>
      error ? reject(error) : resolve(done),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const elapsed = (performance.now() - started) / 1000;
  if (mismatch !== null)
    throw new Error(`${plan.label}: an answer differs from figway's at legacy ${mismatch}`);
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(
      `${plan.label}: ${failed} requests failed (${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${result.non2xx} answers not 2xx; status counts ${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    seconds: elapsed,
    perSecond: sorted.length / elapsed,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    checked,
  };
}
