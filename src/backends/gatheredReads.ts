import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Reads that may wait a moment to go out together: the candidate reads of a request's
 * shadow comparisons, started once its response is out. A backend that sees a gathering
 * in scope holds its statements until the end of the current macrotask and sends
 * everything gathered by then in one round trip; answers and failures stay each caller's.
 */
export class ReadGathering {
  private readonly batches = new Map<object, unknown[]>();

  /**
   * Adds `item` to `owner`'s batch of this gathering; the first item of a batch schedules
   * `flush`, which gets every item added before the next macrotask (`setImmediate`), by
   * when the DataLoaders of every read started together have dispatched.
   */
  join<T>(owner: object, item: T, flush: (items: T[]) => void): void {
    let batch = this.batches.get(owner) as T[] | undefined;
    if (batch === undefined) {
      const items: T[] = [];
      batch = items;
      this.batches.set(owner, items);
      setImmediate(() => {
        this.batches.delete(owner);
        flush(items);
      });
    }
    batch.push(item);
  }
}

const storage = new AsyncLocalStorage<ReadGathering>();

/** Runs `work` with a new gathering in scope for every backend call it starts, however deep. */
export function gatherReads<T>(work: () => T): T {
  return storage.run(new ReadGathering(), work);
}

/** The gathering the calling code runs in, if any. */
export function currentGathering(): ReadGathering | undefined {
  return storage.getStore();
}
