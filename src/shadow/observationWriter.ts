import type { Queryable } from '../core/database.ts';
import type { Observation } from '../core/observation.ts';
import type { OnInternalError } from './reportInternalError.ts';

/**
 * Why the writer could not store observations: its queue was full, the store refused
 * the insert, or an observation could not be serialized to JSON.
 */
export type DropReason = 'queue_full' | 'store_unavailable' | 'unserializable';

/** Options of {@link createObservationWriter}. */
export interface ObservationWriterOptions {
  db: Queryable;
  /** Observations kept waiting at most; beyond it new ones are dropped. @default 10000 */
  maxQueue?: number;
  /** Observations per insert. @default 200 */
  batchSize?: number;
  /** How often the queue is written. @default 200 */
  flushEveryMs?: number;
  /** Called for every observation that was dropped, with why. Must not throw. */
  onDrop?: (reason: DropReason, count: number) => void;
  /**
   * Hears why storing failed (step `store`), once per unit of the observations lost.
   * Must not throw. @default ignores it (the loss still reaches `onDrop`)
   */
  onInternalError?: OnInternalError;
}

/** A bounded, batched writer of observations that never makes a request wait. */
export interface ObservationWriter {
  /** Queues an observation; drops it (and reports it) when the queue is full. Never blocks, never throws. */
  record(observation: Observation): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  /** Observations waiting to be written. */
  readonly queued: number;
}

const COLUMNS = [
  'at',
  'unit',
  'stage',
  'control',
  'cohort',
  'user_hash',
  'operation_name',
  'client_name',
  'client_version',
  'query',
  'variables',
  'outcome',
  'diffs',
  'control_ms',
  'candidate_ms',
  'control_error',
  'candidate_error',
] as const;

function valuesOf(observation: Observation): unknown[] {
  return [
    observation.at,
    observation.unit,
    observation.stage,
    observation.control,
    observation.cohort,
    observation.userHash,
    observation.operationName,
    observation.clientName,
    observation.clientVersion,
    observation.query,
    JSON.stringify(observation.variables ?? null),
    observation.outcome,
    JSON.stringify(observation.diffs),
    observation.controlMs,
    observation.candidateMs,
    observation.controlError,
    observation.candidateError,
  ];
}

function insertStatement(count: number): string {
  const rows = Array.from(
    { length: count },
    (_, row) => `(${COLUMNS.map((_, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`,
  );
  return `insert into observations.observations (${COLUMNS.join(', ')}) values ${rows.join(', ')}`;
}

/**
 * Creates the observation writer. Requests only append to an in-memory queue; a timer
 * writes batches with one multi-row insert each. When the store is down a batch is
 * dropped and counted, not retried: shadow data must never hold memory without bound.
 */
export function createObservationWriter(options: ObservationWriterOptions): ObservationWriter {
  const maxQueue = options.maxQueue ?? 10_000;
  const batchSize = options.batchSize ?? 200;
  let queue: Observation[] = [];
  let writing: Promise<void> = Promise.resolve();

  function reportLost(error: unknown, lost: readonly Observation[]) {
    for (const unit of new Set(lost.map((observation) => observation.unit)))
      options.onInternalError?.('store', error, unit);
  }

  // One observation that cannot be serialized is dropped alone, not with its batch.
  function rowsOf(batch: readonly Observation[]): { stored: Observation[]; values: unknown[] } {
    const stored: Observation[] = [];
    const values: unknown[] = [];
    for (const observation of batch) {
      try {
        values.push(...valuesOf(observation));
        stored.push(observation);
      } catch (error) {
        options.onDrop?.('unserializable', 1);
        reportLost(error, [observation]);
      }
    }
    return { stored, values };
  }

  async function writeQueued() {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      const { stored, values } = rowsOf(batch);
      if (stored.length === 0) continue;
      try {
        await options.db.query(insertStatement(stored.length), values);
      } catch (error) {
        options.onDrop?.('store_unavailable', stored.length);
        reportLost(error, stored);
      }
    }
  }

  const flush = () => {
    writing = writing.then(writeQueued);
    return writing;
  };
  const timer = setInterval(() => void flush(), options.flushEveryMs ?? 200);
  timer.unref();

  return {
    record(observation) {
      if (queue.length >= maxQueue) {
        options.onDrop?.('queue_full', 1);
        return;
      }
      queue.push(observation);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get queued() {
      return queue.length;
    },
  };
}
