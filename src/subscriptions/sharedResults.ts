import type { ExecutionResult } from 'graphql';

interface Entry {
  /** Subscribers that said they would ask and have not yet. */
  waiting: number;
  result?: Promise<ExecutionResult>;
}

/**
 * The executions of one batch's events that subscribers share (one user's sockets with
 * one operation: {@link sameResultKey}). A result is kept only until every subscriber
 * that was to take it has, so a slow socket's backlog holds no result nobody else needs.
 */
export class SharedResults {
  readonly #entries = new Map<string, Entry>();

  /** A subscriber will ask for `key` when its event's turn comes. */
  expect(key: string): void {
    const entry = this.#entries.get(key) ?? { waiting: 0 };
    entry.waiting += 1;
    this.#entries.set(key, entry);
  }

  /**
   * The result of the subscriber that expected `expected` and now needs `key` (they
   * differ when the sides it may read changed meanwhile: it then runs alone): the one
   * already running or run, or `run()`'s.
   */
  take(expected: string, key: string, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const entry = this.#entries.get(expected);
    if (entry === undefined) return run();
    entry.waiting -= 1;
    if (entry.waiting <= 0) this.#entries.delete(expected);
    if (key !== expected) return run();
    entry.result ??= run();
    return entry.result;
  }
}
