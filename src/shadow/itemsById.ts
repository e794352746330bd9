/** A list's items keyed by id, as both sides of a list compared by id are. */
export interface ItemsById {
  /** Each id's item (for an id several items hold, one of them: see `repeated`). */
  items: Map<string, unknown>;
  /** The items of every id that more than one item holds, in list order; `null` when no id repeats. */
  repeated: Map<string, unknown[]> | null;
}

/**
 * Keys `items` by id (`idAt(i)`: the id of item `i`). A repeated id is noticed while the
 * map is built, by the map not growing, so a list without one costs no more than the map;
 * only then are its items gathered, with one more look at the items before it.
 */
export function itemsById(items: readonly unknown[], idAt: (index: number) => string): ItemsById {
  const byId = new Map<string, unknown>();
  let repeated: Map<string, unknown[]> | null = null;
  for (let i = 0; i < items.length; i++) {
    const id = idAt(i);
    const size = byId.size;
    byId.set(id, items[i]);
    if (byId.size !== size) continue;
    repeated ??= new Map();
    const group = repeated.get(id);
    if (group !== undefined) group.push(items[i]);
    else repeated.set(id, earlierWith(items, idAt, id, i));
  }
  return { items: byId, repeated };
}

// The items before `index` with `id`, and the one at `index`.
function earlierWith(
  items: readonly unknown[],
  idAt: (index: number) => string,
  id: string,
  index: number,
): unknown[] {
  const group: unknown[] = [];
  for (let j = 0; j < index; j++) if (idAt(j) === id) group.push(items[j]);
  group.push(items[index]);
  return group;
}

/** True when `id` is held by more than one item on either side: its items are then compared as groups. */
export function isRepeated(left: ItemsById, right: ItemsById, id: string): boolean {
  return left.repeated?.has(id) === true || right.repeated?.has(id) === true;
}

/** Every item on one side with `id`, in list order: none, one, or the repeated ones. */
export function groupOf(side: ItemsById, id: string): unknown[] {
  const group = side.repeated?.get(id);
  if (group !== undefined) return group;
  return side.items.has(id) ? [side.items.get(id)] : [];
}
