import type { Viewer } from '../backends/viewer.ts';
import type { Side } from '../core/stage.ts';
import { type BatchFacts, factsKey, mayView } from './eventFacts.ts';

/**
 * The newest facts the hub read of recently changed commitments (who may see each on
 * each side), so that an event waiting in a slow subscriber's queue is checked again
 * against what a later batch showed before it is sent. Bounded: the oldest are
 * forgotten past `capacity`, and a forgotten commitment is judged by its own batch.
 */
export class RecentFacts {
  readonly #facts: BatchFacts = new Map();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** Keeps a batch's facts, replacing older ones of the same commitments. */
  remember(facts: BatchFacts): void {
    for (const [key, value] of facts) {
      this.#facts.delete(key);
      this.#facts.set(key, value);
    }
    for (const key of this.#facts.keys()) {
      if (this.#facts.size <= this.#capacity) break;
      this.#facts.delete(key);
    }
  }

  /** False when the newest facts known say `viewer` may not see the commitment on `side` (or it is gone there). */
  allows(viewer: Viewer, side: Side, commitmentId: string): boolean {
    const facts = this.#facts.get(factsKey(side, commitmentId));
    return facts === undefined || mayView(viewer, facts);
  }
}
