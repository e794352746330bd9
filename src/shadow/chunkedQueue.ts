/** Items per chunk: large enough that links are rare, small enough that an idle queue holds little. */
const CHUNK_SIZE = 1024;

interface Chunk<T> {
  items: Array<T | undefined>;
  next: Chunk<T> | null;
}

function emptyChunk<T>(): Chunk<T> {
  return { items: new Array<T | undefined>(CHUNK_SIZE), next: null };
}

/**
 * A first-in, first-out queue in linked chunks of fixed size: adding an item costs O(1)
 * and taking n items O(n), however long the queue is. (An array's `shift` or `slice`
 * copies the whole queue each time, which a writer behind a busy store pays per batch.)
 */
export class ChunkedQueue<T> {
  #head: Chunk<T> = emptyChunk();
  #headIndex = 0;
  #tail: Chunk<T> = this.#head;
  #tailIndex = 0;
  #length = 0;

  /** Items waiting. */
  get length(): number {
    return this.#length;
  }

  /** Adds an item at the end. */
  push(item: T): void {
    if (this.#tailIndex === CHUNK_SIZE) {
      const chunk = emptyChunk<T>();
      this.#tail.next = chunk;
      this.#tail = chunk;
      this.#tailIndex = 0;
    }
    this.#tail.items[this.#tailIndex] = item;
    this.#tailIndex += 1;
    this.#length += 1;
  }

  /** Removes and returns the first `count` items (fewer when fewer wait), oldest first. */
  shift(count: number): T[] {
    const taken: T[] = [];
    while (taken.length < count && this.#length > 0) {
      if (this.#headIndex === CHUNK_SIZE && this.#head.next !== null) {
        this.#head = this.#head.next;
        this.#headIndex = 0;
      }
      // The slot is filled: `#length` counts exactly the slots between head and tail.
      taken.push(this.#head.items[this.#headIndex] as T);
      this.#head.items[this.#headIndex] = undefined;
      this.#headIndex += 1;
      this.#length -= 1;
    }
    if (this.#length === 0) {
      // Empty again: start over at the beginning of the last chunk, which is the head's.
      this.#head = this.#tail;
      this.#headIndex = 0;
      this.#tailIndex = 0;
    }
    return taken;
  }
}
