import { driveWorker, type WorkerDriver } from './driveWorker.ts';

/** One WebSocket a subscriber worker opens: the token it connects with and the commitments it subscribes to. */
export interface SocketPlan {
  /** Sent as `connectionParams.authorization: Bearer <token>`; null sends no connection params. */
  token: string | null;
  /** One subscription per id, all multiplexed over this socket. */
  commitmentIds: string[];
}

/**
 * What the main thread asks a subscriber worker, one command at a time:
 * `open` the sockets and subscribe (answered once every socket is acknowledged);
 * `count` the events received since the last `take`; `take` them, matching each
 * subscription's k-th event with the k-th commit time of its commitment (`committed`,
 * by commitment id, in commit order) to get latencies; `close` every socket.
 */
export type SubscriberCommand =
  | { kind: 'open'; url: string; query: string; sockets: SocketPlan[] }
  | { kind: 'count' }
  | { kind: 'take'; committed: Record<string, number[]> }
  | { kind: 'close' };

/** A subscriber worker's answer; fields a command does not fill are 0 or empty. */
export interface SubscriberAnswer {
  /** take: each matched event's receipt time minus its change's commit time, ms. */
  latencies: Float64Array;
  /** count, take: events received since the last take (error results excluded). */
  received: number;
  /** take: changes whose events did not arrive, summed over subscriptions. */
  missing: number;
  /** take: events beyond the changes told (duplicates, or a change not counted). */
  extra: number;
  /** Subscriptions that ended in an error, results carrying errors, and sockets closed unasked, since the open. */
  errors: number;
  /** Up to five distinct error messages. */
  errorSamples: string[];
}

/** A subscriber worker thread, kept for the whole benchmark. */
export type SubscriberDriver = WorkerDriver<SubscriberCommand, SubscriberAnswer>;

/** Starts a worker thread that holds subscriber sockets apart from the main thread's change stream. */
export function driveSubscribers(): SubscriberDriver {
  return driveWorker(new URL('./subscriberWorker.ts', import.meta.url));
}
