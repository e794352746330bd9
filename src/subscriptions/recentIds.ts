/**
 * The last `capacity` ids seen, each with a mark (the batch it was seen in, say), to
 * drop a change told twice; memory stays bounded.
 */
export class RecentIds {
  readonly #ids = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 512) {
    this.#capacity = capacity;
  }

  /** Whether `id` is among the recent ones. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** The mark `id` was recorded with, if it is among the recent ones. */
  markOf(id: string): number | undefined {
    return this.#ids.get(id);
  }

  /** Records `id` (with `mark`); false when it was already among the recent ones (its mark is then updated). */
  add(id: string, mark = 0): boolean {
    if (this.#ids.has(id)) {
      this.#ids.set(id, mark);
      return false;
    }
    this.#ids.set(id, mark);
    if (this.#ids.size > this.#capacity) {
      // A Map iterates in insertion order: the first one is the oldest.
      for (const oldest of this.#ids.keys()) {
        this.#ids.delete(oldest);
        break;
      }
    }
    return true;
  }
}
