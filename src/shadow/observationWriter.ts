import type { Queryable } from '../core/database.ts';
import type { Observation } from '../core/observation.ts';
import { BatchedObservationWriter } from './batchedObservationWriter.ts';
import type { OnInternalError } from './reportInternalError.ts';

/**
 * Why the writer could not store observations: the queue had no place for one recorded
 * without a reservation; the store was still refusing when the writer closed (or the
 * writer was closed already); an observation could not be serialized, or the store
 * refused its values (a NUL character, a value outside a column's checks).
 */
export type DropReason = 'queue_full' | 'store_unavailable' | 'unserializable';

/** Options of {@link createObservationWriter}. */
export interface ObservationWriterOptions {
  db: Queryable;
  /**
   * Places in the queue: observations waiting (those being written included) plus places
   * taken by {@link ObservationWriter.reserve}. With none free, `reserve()` says false and
   * `record()` without a reservation is refused ('queue_full'). @default 10000
   */
  maxQueue?: number;
  /** Observations per insert; a full batch is written at once. @default 200 */
  batchSize?: number;
  /** How often a partial batch is written. @default 200 */
  flushEveryMs?: number;
  /**
   * How long `close()` keeps retrying a store that refuses; what is still queued then is
   * lost ('store_unavailable'). @default 5000
   */
  closeTimeoutMs?: number;
  /** Called for every observation that was dropped, with why. Must not throw. */
  onDrop?: (reason: DropReason, count: number) => void;
  /**
   * Hears why storing failed (step `store`): each refused insert once per unit in its
   * batch, each observation dropped as unserializable, and what was lost at close once per
   * unit. Must not throw. @default ignores it (losses still reach `onDrop`)
   */
  onInternalError?: OnInternalError;
}

/**
 * A bounded, batched writer of observations that never makes a request wait and never
 * loses an observation it accepted: the sampler takes a place with {@link reserve}
 * before it starts a comparison, so a comparison that runs always has room.
 */
export interface ObservationWriter {
  /**
   * Takes a place in the queue for an observation still to be judged; false when every
   * place is queued or taken (the sampler then skips the sample). Never throws.
   */
  reserve(): boolean;
  /** Gives back a place taken by {@link reserve} that no observation will use. */
  release(): void;
  /**
   * Queues an observation: in a place taken by {@link reserve} when `reserved`, else in a
   * free place; with none free it is refused and reported to `onDrop` ('queue_full').
   * Never blocks, never throws.
   */
  record(observation: Observation, reserved?: boolean): void;
  /** Share of the queue in use, places taken included: 0 (empty) to 1 (full). The sampler slows down as it rises. */
  readonly pressure: number;
  /**
   * Writes everything queued now, at once even while backing off. Resolves when it is
   * stored or when the store refuses (what is left stays queued and is retried); never rejects.
   */
  flush(): Promise<void>;
  /**
   * Stops the timer and flushes, retrying until `closeTimeoutMs`; then counts whatever is
   * still queued as lost. Observations recorded after it are lost at once. Never rejects.
   */
  close(): Promise<void>;
  /** Observations waiting to be written, those being written included. */
  readonly queued: number;
}

/**
 * Creates the observation writer. Recording only appends to an in-memory queue (O(1));
 * one write loop at a time takes batches from its head (O(batch)) and inserts each with
 * one statement: as soon as a full batch waits, else every `flushEveryMs`.
 *
 * What it guarantees:
 * - An accepted observation is stored unless the writer closes while the store still
 *   refuses it. A refused batch stays first in line and is retried with exponential
 *   backoff (100 ms doubling to 5 s); each refusal is reported once per unit in the
 *   batch. Meanwhile new observations queue while places remain; the queue's bound
 *   (`maxQueue`, reservations included) is what limits memory, and `pressure` reaches 1
 *   when it is reached.
 * - An observation is refused only when it had no place: recorded without a
 *   reservation into a full queue ('queue_full'), or after close.
 * - An observation that cannot be serialized, or whose values the store refuses, is
 *   dropped alone ('unserializable'); the rest of its batch is stored.
 * - `close()` retries for `closeTimeoutMs` at most (an insert still in flight then is
 *   given up on and counted with the rest), then counts what is left as lost
 *   ('store_unavailable') and reports the last error once per unit.
 */
export function createObservationWriter(options: ObservationWriterOptions): ObservationWriter {
  return new BatchedObservationWriter(options);
}

/**
 * The writer of a gateway with no observation store: shadow reads still run and count in
 * the metrics, and each observation is reported lost at once (`store_unavailable`) rather
 * than held, so nothing builds up and sampling never stops for want of room.
 */
export function createDiscardingObservationWriter(
  onDrop: NonNullable<ObservationWriterOptions['onDrop']>,
): ObservationWriter {
  return {
    reserve: () => true,
    release: () => {},
    record: () => onDrop('store_unavailable', 1),
    pressure: 0,
    flush: async () => {},
    close: async () => {},
    queued: 0,
  };
}
