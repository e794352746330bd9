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

export { seededRandom } from '../harness/seededRandom.ts';

/** Writes a progress line to stderr, so stdout holds only the report (or the JSON). */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
