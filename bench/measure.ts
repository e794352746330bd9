/** How long a run of operations took, and the rates that follow from it. */
export interface Measurement {
  /** The operations timed: documents appended, proofs built, hashes computed. */
  operations: number;
  /** Wall-clock seconds the whole run took. */
  seconds: number;
  /** Operations per second. */
  perSecond: number;
  /** Microseconds per operation. */
  microsPerOperation: number;
}

/** The measurement of `operations` that took `milliseconds`. */
export function measurement(operations: number, milliseconds: number): Measurement {
  const seconds = milliseconds / 1000;
  return {
    operations,
    seconds,
    perSecond: operations / seconds,
    microsPerOperation: (milliseconds * 1000) / operations,
  };
}

/**
 * Times one run that performs `operations` operations. `run` is awaited, so it may
 * be a loop of sequential database calls or a synchronous CPU loop.
 */
export async function measure(operations: number, run: () => Promise<void> | void): Promise<Measurement> {
  const start = performance.now();
  await run();
  return measurement(operations, performance.now() - start);
}

/**
 * A deterministic pseudo-random generator (mulberry32) returning numbers in [0, 1),
 * so two runs pick the same revisions and build the same documents.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes a progress line to stderr, so stdout holds only the report (or the JSON). */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
