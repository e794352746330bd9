import { setImmediate } from 'node:timers/promises';
import { differingFields, hashRecord, type SideRecord } from './canonicalRecord.ts';
import { narrowDivergence, sameChunk } from './narrowDivergence.ts';
import type { ReconcileSides, SideReader } from './reconcileSides.ts';
import { DEFAULT_CHUNK_SIZE, type DivergentRow, type ReconcileProgress } from './reconcileTypes.ts';

/** What comparing both sides of an entity found, before it is judged. */
export interface Comparison {
  compared: number;
  rows: DivergentRow[];
  chunks: number;
  chunksDiffering: number;
  /** The ids of `watch` that both sides hold and that compared equal. */
  equal: string[];
}

/** Options of {@link compareEntity}. */
export interface CompareOptions {
  chunkSize?: number;
  onProgress?: (progress: Omit<ReconcileProgress, 'entity'>) => void;
  /** Ids to report in `equal` when they compare equal on both sides. @default none */
  watch?: ReadonlySet<string>;
}

function divergentRow(
  id: string,
  legacy: SideRecord | undefined,
  target: SideRecord | undefined,
): DivergentRow {
  if (target === undefined) return { id, fields: [], missingOn: 'target' };
  if (legacy === undefined) return { id, fields: [], missingOn: 'legacy' };
  return { id, fields: differingFields(legacy, target) };
}

/**
 * The end of the next chunk: the smallest last id among the sides that returned a
 * full page (a side with a short page has nothing further), or null when both are
 * exhausted. Up to it, each page holds every id its side has.
 */
function chunkEnd(pages: ReadonlyArray<readonly SideRecord[]>, size: number): string | null {
  const ends = pages.filter((page) => page.length === size).map((page) => page.at(-1)?.id ?? '');
  return ends.length === 0 ? null : ends.reduce((a, b) => (b < a ? b : a));
}

async function nextChunk(legacy: SideReader, target: SideReader, after: string | null, size: number) {
  const pages = await Promise.all([legacy.page(after, size), target.page(after, size)]);
  const end = chunkEnd(pages, size);
  const within = (page: readonly SideRecord[]) =>
    new Map(page.filter((record) => end === null || record.id <= end).map((record) => [record.id, record]));
  return { legacy: within(pages[0]), target: within(pages[1]), end };
}

/**
 * Compares an entity's two sides in chunks of ids, ordered by id: each chunk's rows
 * are hashed in canonical form on both sides, and only a chunk whose hashes differ is
 * narrowed down to its divergent ids, whose differing fields are then listed.
 */
export async function compareEntity(
  sides: ReconcileSides,
  options: CompareOptions = {},
): Promise<Comparison> {
  const size = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const [legacyCount, targetCount] = await Promise.all([sides.legacy.count(), sides.target.count()]);
  const comparison: Comparison = { compared: 0, rows: [], chunks: 0, chunksDiffering: 0, equal: [] };
  const watch = options.watch ?? new Set<string>();
  let read = 0;
  let after: string | null = null;
  for (;;) {
    const chunk = await nextChunk(sides.legacy, sides.target, after, size);
    const ids = [...new Set([...chunk.legacy.keys(), ...chunk.target.keys()])].sort();
    if (ids.length === 0) break;
    comparison.chunks += 1;
    comparison.compared += ids.length;
    read += chunk.legacy.size + chunk.target.size;
    const hashes = (records: ReadonlyMap<string, SideRecord>) =>
      new Map([...records].map(([id, record]) => [id, hashRecord(record)]));
    const legacy = hashes(chunk.legacy);
    const target = hashes(chunk.target);
    const divergent = new Set<string>();
    if (!sameChunk(ids, legacy, target)) {
      comparison.chunksDiffering += 1;
      for (const id of narrowDivergence(ids, legacy, target).ids) {
        divergent.add(id);
        comparison.rows.push(divergentRow(id, chunk.legacy.get(id), chunk.target.get(id)));
      }
    }
    if (watch.size > 0) {
      for (const id of ids) {
        if (watch.has(id) && !divergent.has(id) && legacy.has(id) && target.has(id))
          comparison.equal.push(id);
      }
    }
    options.onProgress?.({
      read,
      total: Math.max(read, legacyCount + targetCount),
      divergent: comparison.rows.length,
    });
    if (chunk.end === null) break;
    after = chunk.end;
    // PGlite answers without yielding to the event loop; let a progress line or a signal through.
    await setImmediate();
  }
  return comparison;
}
