import type { LoadOutcome } from './driveLoad.ts';
import { driveWorker, type WorkerDriver } from './driveWorker.ts';

/** One client of a write run: the demo user it writes as, and that user's bearer token. */
export interface WriteClient {
  username: string;
  token: string;
}

/**
 * One closed-loop write run: each client POSTs mutations to `url` for `durationMs`,
 * mostly `createCommitment`, and every `attachEvery`-th an `attachDocument` on the
 * newest commitment it created in this run that has fewer than `maxDocuments`.
 */
export interface WriteLoadSpec {
  url: string;
  clients: WriteClient[];
  durationMs: number;
  /** Commitment types to create commitments of, taken in turn. */
  typeIds: readonly string[];
  /** Every this-many-th mutation of a client attaches a document (when it has a commitment to attach to). */
  attachEvery: number;
  /** No commitment gets more documents than this: a ledger revision holds the whole commitment. */
  maxDocuments: number;
  /** Put in titles and document names, so each run's writes can be told apart. */
  runLabel: string;
}

/** What a write run did: the load outcome, how many of each mutation, and what the failures said. */
export interface WriteOutcome extends LoadOutcome {
  created: number;
  attached: number;
  /** Up to five distinct failure messages (GraphQL error codes and messages, or the socket error). */
  failureSamples: string[];
}

/** A write load generator in a worker thread, kept for the whole benchmark so its JIT stays warm. */
export type WriteDriver = WorkerDriver<WriteLoadSpec, WriteOutcome>;

/** Starts the worker thread that sends the writes benchmark's mutations. */
export function driveWrites(): WriteDriver {
  return driveWorker(new URL('./writeLoadWorker.ts', import.meta.url));
}
