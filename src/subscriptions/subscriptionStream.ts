import type { ExecutionResult } from 'graphql';

/** One event waiting for its subscriber: run when the socket is ready for it, not before; `run` never rejects. */
export interface PendingEvent {
  run(): Promise<ExecutionResult>;
  /** Heard once the event's result has been sent (graphql-ws asked for the next one). */
  sent(): void;
}

/**
 * The event stream of one subscription, as graphql-ws iterates it (an async
 * generator: graphql-ws calls `return()` when the client completes the operation or
 * the socket closes). Events wait here while the previous one is still being sent,
 * which is where a slow socket's backlog shows; each is executed only when its turn
 * comes, so a backlog holds payload roots, never serialized results.
 */
export class SubscriptionStream implements AsyncGenerator<ExecutionResult, undefined, unknown> {
  readonly #queue: PendingEvent[] = [];
  readonly #onEnd: () => void;
  #waiting: ((result: IteratorResult<ExecutionResult, undefined>) => void) | null = null;
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
    if (wake === null) return;
    this.#waiting = null;
    void this.#take().then(wake);
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
    wake?.({ value: undefined, done: true });
  }

  // PendingEvent.run never rejects: a failed execution is an error result.
  async #take(): Promise<IteratorResult<ExecutionResult, undefined>> {
    const event = this.#queue.shift();
    if (event === undefined) return { value: undefined, done: true };
    this.#inHand = event;
    return { value: await event.run(), done: false };
  }

  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    // graphql-ws asks for the next event only once the previous one was sent.
    this.#inHand?.sent();
    this.#inHand = null;
    if (this.#queue.length > 0) return this.#take();
    if (this.#ended || this.#draining) {
      this.#finish();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
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
