/** The last `capacity` ids seen, to drop a change told twice; memory stays bounded. */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 512) {
    this.#capacity = capacity;
  }

  /** Whether `id` is among the recent ones. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Records `id`; false when it was already among the recent ones. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      // A Set iterates in insertion order: the first one is the oldest.
      for (const oldest of this.#ids) {
        this.#ids.delete(oldest);
        break;
      }
    }
    return true;
  }
}
