import type { ExecutionResult } from 'graphql';

/**
 * One event waiting for its subscriber: run when the socket is ready for it, not
 * before. `run` never rejects; it resolves null when the event is no longer to be sent
 * (the subscriber lost the right to see it meanwhile).
 */
export interface PendingEvent {
  run(): Promise<ExecutionResult | null>;
  /** Heard once the event's result has been sent (graphql-ws asked for the next one). */
  sent(): void;
}

const DONE: IteratorResult<ExecutionResult, undefined> = { value: undefined, done: true };

/**
 * The event stream of one subscription, as graphql-ws iterates it (an async
 * generator: graphql-ws calls `return()` when the client completes the operation or
 * the socket closes). Events wait here while the previous one is still being sent,
 * which is where a slow socket's backlog shows; each is executed only when its turn
 * comes, so a backlog holds payload roots, not results.
 */
export class SubscriptionStream implements AsyncGenerator<ExecutionResult, undefined, unknown> {
  readonly #queue: PendingEvent[] = [];
  readonly #onEnd: () => void;
  /** Wakes a waiting next(): true when an event was pushed, false when the stream ended. */
  #waiting: ((pushed: boolean) => void) | null = null;
  #inHand: PendingEvent | null = null;
  #ended = false;
  #draining = false;

  /** `onEnd` hears the stream end, once, however it ends. */
  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  /** Events queued and not yet handed over. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues an event; ignored once the stream is ending. */
  push(event: PendingEvent): void {
    if (this.#ended || this.#draining) return;
    this.#queue.push(event);
    const wake = this.#waiting;
    this.#waiting = null;
    wake?.(true);
  }

  /**
   * Ends the stream: `drain` lets queued events go out first, then completes (a
   * shutdown); otherwise they are dropped at once (a slow subscriber cut off).
   * Returns how many events were dropped.
   */
  end(drain: boolean): number {
    if (this.#ended) return 0;
    if (drain && this.#queue.length > 0) {
      this.#draining = true;
      return 0;
    }
    const dropped = this.#queue.length;
    this.#finish();
    return dropped;
  }

  #finish() {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue.length = 0;
    this.#onEnd();
    const wake = this.#waiting;
    this.#waiting = null;
    wake?.(false);
  }

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    // graphql-ws asks for the next event only once the previous one was sent.
    this.#inHand?.sent();
    this.#inHand = null;
    for (;;) {
      if (this.#ended) return DONE;
      const event = this.#queue.shift();
      if (event === undefined) {
        if (this.#draining) {
          this.#finish();
          return DONE;
        }
        const pushed = await new Promise<boolean>((resolve) => {
          this.#waiting = resolve;
        });
        if (!pushed) return DONE;
        continue;
      }
      const value = await event.run();
      if (value === null) continue;
      if (this.#ended) return DONE;
      this.#inHand = event;
      return { value, done: false };
    }
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#finish();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#finish();
  }
}
