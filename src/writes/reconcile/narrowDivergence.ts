import { hashRows } from './canonicalRecord.ts';

/** The row hashes of one side of a chunk, by id. */
export type RowHashes = ReadonlyMap<string, string>;

/** What narrowing a chunk found, and how many segments it hashed on each side to find it. */
export interface Narrowed {
  ids: string[];
  segmentsHashed: number;
}

function segmentHash(side: RowHashes, ids: readonly string[]): string {
  const rows: Array<readonly [string, string]> = [];
  for (const id of ids) {
    const hash = side.get(id);
    if (hash !== undefined) rows.push([id, hash]);
  }
  return hashRows(rows);
}

/**
 * The ids of a chunk whose rows differ between the sides (or that one side lacks),
 * found the way data-diff tools find them: a segment whose hashes agree on both sides
 * is skipped whole, one whose hashes differ is halved until single ids remain.
 * `ids` is the chunk's ids on either side, in order.
 */
export function narrowDivergence(ids: readonly string[], legacy: RowHashes, target: RowHashes): Narrowed {
  const found: string[] = [];
  let segmentsHashed = 0;
  const pending: Array<readonly string[]> = [ids];
  while (pending.length > 0) {
    const segment = pending.pop() ?? [];
    if (segment.length === 0) continue;
    segmentsHashed += 1;
    if (segmentHash(legacy, segment) === segmentHash(target, segment)) continue;
    if (segment.length === 1) {
      found.push(segment[0] ?? '');
      continue;
    }
    const middle = Math.ceil(segment.length / 2);
    // The second half first, so that the first half is popped first and ids come out in order.
    pending.push(segment.slice(middle), segment.slice(0, middle));
  }
  return { ids: found, segmentsHashed };
}

/** True when the two sides of a chunk hash alike: nothing in it needs narrowing. */
export function sameChunk(ids: readonly string[], legacy: RowHashes, target: RowHashes): boolean {
  return segmentHash(legacy, ids) === segmentHash(target, ids);
}
