import { AsyncLocalStorage } from 'node:async_hooks';
import { sqlState } from '../core/database.ts';
import type { Observation } from '../core/observation.ts';
import { ChunkedQueue } from './chunkedQueue.ts';
import {
  batchOf,
  halvesOf,
  INSERT_OBSERVATIONS,
  type ObservationBatch,
  unitsOf,
} from './observationBatch.ts';
import type { DropReason, ObservationWriter, ObservationWriterOptions } from './observationWriter.ts';

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;

// Data exceptions and integrity violations: the store refuses these values, and would
// refuse them again. Anything else (no connection, a missing table) is the store's state.
function refusesValues(error: unknown): boolean {
  const code = sqlState(error);
  return code?.startsWith('22') === true || code?.startsWith('23') === true;
}

function checked(name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) {
    throw new Error(`observation writer: ${name} must be an integer of at least ${least}, got ${value}`);
  }
  return value;
}

/**
 * The writer behind `createObservationWriter` (whose doc states its guarantees): a
 * chunked queue, the batches taken from it and not stored yet, and one write loop at a time.
 */
export class BatchedObservationWriter implements ObservationWriter {
  readonly #options: ObservationWriterOptions;
  readonly #maxQueue: number;
  readonly #batchSize: number;
  readonly #closeTimeoutMs: number;
  readonly #queue = new ChunkedQueue<Observation>();
  // Taken from the queue and not stored yet, oldest first: the batch being written or
  // awaiting its retry, then the halves of a batch whose values the store refused.
  #held: ObservationBatch[] = [];
  #heldCount = 0;
  #reserved = 0;
  // Observations ever queued, and ever taken from the queue into a batch; a partial batch
  // is written while taken < flushUpTo (set by the timer and by flush()).
  #accepted = 0;
  #taken = 0;
  #flushUpTo = 0;
  #writing: Promise<void> | null = null;
  #retryDelayMs = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #lastError: unknown;
  #closing: Promise<void> | null = null;
  readonly #timer: NodeJS.Timeout;
  // Inserts run in the context the writer was made in, not in the recording request's:
  // a request whose time budget is spent would otherwise refuse them as timed out.
  readonly #outside = AsyncLocalStorage.snapshot();

  constructor(options: ObservationWriterOptions) {
    this.#options = options;
    this.#maxQueue = checked('maxQueue', options.maxQueue ?? 10_000, 1);
    this.#batchSize = checked('batchSize', options.batchSize ?? 200, 1);
    this.#closeTimeoutMs = checked('closeTimeoutMs', options.closeTimeoutMs ?? 5000, 0);
    this.#timer = setInterval(() => this.#tick(), checked('flushEveryMs', options.flushEveryMs ?? 200, 1));
    this.#timer.unref();
  }

  get queued(): number {
    return this.#queue.length + this.#heldCount;
  }

  get pressure(): number {
    return Math.min(1, (this.queued + this.#reserved) / this.#maxQueue);
  }

  reserve(): boolean {
    if (this.#closing !== null || this.queued + this.#reserved >= this.#maxQueue) return false;
    this.#reserved += 1;
    return true;
  }

  release(): void {
    if (this.#reserved > 0) this.#reserved -= 1;
  }

  record(observation: Observation, reserved = false): void {
    if (reserved && this.#reserved > 0) this.#reserved -= 1;
    else if (this.#closing === null && this.queued + this.#reserved >= this.#maxQueue) {
      this.#options.onDrop?.('queue_full', 1);
      return;
    }
    if (this.#closing !== null) {
      this.#drop('store_unavailable', [observation], new Error('the observation writer is closed'));
      return;
    }
    this.#queue.push(observation);
    this.#accepted += 1;
    if (this.#queue.length >= this.#batchSize && this.#retryTimer === null) void this.#startWriting();
  }

  flush(): Promise<void> {
    this.#flushUpTo = this.#accepted;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    return this.#startWriting();
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeBy(performance.now() + this.#closeTimeoutMs);
    return this.#closing;
  }

  #tick() {
    this.#flushUpTo = this.#accepted;
    if (this.queued > 0 && this.#retryTimer === null) void this.#startWriting();
  }

  // Never two inserts at once: every write goes through the one loop running.
  #startWriting(): Promise<void> {
    this.#writing ??= this.#outside(() => this.#writeQueued());
    return this.#writing;
  }

  async #writeQueued(): Promise<void> {
    // Lets `#writing` be set before the loop can end and clear it.
    await Promise.resolve();
    try {
      for (let batch = this.#nextBatch(); batch !== null; batch = this.#nextBatch()) {
        if (!(await this.#store(batch))) return;
      }
    } finally {
      this.#writing = null;
    }
  }

  #nextBatch(): ObservationBatch | null {
    const held = this.#held[0];
    if (held !== undefined) return held;
    while (
      this.#queue.length >= this.#batchSize ||
      (this.#queue.length > 0 && this.#taken < this.#flushUpTo)
    ) {
      const observations = this.#queue.shift(this.#batchSize);
      this.#taken += observations.length;
      const batch = batchOf(observations, (observation, error) =>
        this.#drop('unserializable', [observation], error),
      );
      if (batch.observations.length > 0) {
        this.#held.push(batch);
        this.#heldCount += batch.observations.length;
        return batch;
      }
    }
    return null;
  }

  // True when the loop may go on with the next batch.
  async #store(batch: ObservationBatch): Promise<boolean> {
    try {
      await this.#options.db.query(INSERT_OBSERVATIONS, batch.columns);
    } catch (error) {
      // A batch no longer held was counted lost when close() gave up on it; its late failure is still reported.
      if (this.#held[0] !== batch) {
        this.#reportStoreFailure(error, batch.observations);
        return false;
      }
      if (refusesValues(error)) {
        this.#isolate(batch, error);
        return true;
      }
      this.#backOff(batch, error);
      return false;
    }
    if (this.#held[0] === batch) {
      this.#held.shift();
      this.#heldCount -= batch.observations.length;
    }
    this.#retryDelayMs = 0;
    return true;
  }

  // Halves a batch whose values the store refused until the one observation it refuses
  // is alone, and drops that one: about 2 log2(batchSize) more inserts per such observation.
  #isolate(batch: ObservationBatch, error: unknown) {
    this.#held.shift();
    if (batch.observations.length > 1) {
      this.#held.unshift(...halvesOf(batch));
      return;
    }
    this.#heldCount -= 1;
    this.#drop('unserializable', batch.observations, error);
  }

  // The batch stays first in line; the next attempt waits 100 ms, then twice as long
  // each time up to 5 s, back to 100 ms after an insert succeeds.
  #backOff(batch: ObservationBatch, error: unknown) {
    this.#lastError = error;
    this.#reportStoreFailure(error, batch.observations);
    this.#retryDelayMs =
      this.#retryDelayMs === 0 ? FIRST_RETRY_MS : Math.min(LAST_RETRY_MS, this.#retryDelayMs * 2);
    if (this.#closing !== null) return; // close() paces its own retries
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#startWriting();
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
  }

  async #closeBy(deadline: number) {
    clearInterval(this.#timer);
    this.#retryDelayMs = 0;
    for (;;) {
      await settledBy(this.flush(), deadline);
      const leftMs = deadline - performance.now();
      if (this.queued === 0 || leftMs <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#retryDelayMs, leftMs)));
    }
    const lost = [
      ...this.#held.flatMap((batch) => batch.observations),
      ...this.#queue.shift(this.#queue.length),
    ];
    this.#held = [];
    this.#heldCount = 0;
    if (lost.length === 0) return;
    const late = new Error(`the observation store did not answer within ${this.#closeTimeoutMs} ms`);
    this.#drop('store_unavailable', lost, this.#lastError ?? late);
  }

  #drop(reason: DropReason, observations: readonly Observation[], error: unknown) {
    this.#options.onDrop?.(reason, observations.length);
    this.#reportStoreFailure(error, observations);
  }

  #reportStoreFailure(error: unknown, observations: readonly Observation[]) {
    for (const unit of unitsOf(observations)) this.#options.onInternalError?.('store', error, unit);
  }
}

// Waits for `work`, or until `deadline` (performance.now()) if that comes first.
async function settledBy(work: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
