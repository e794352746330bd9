import type { PathDiff } from '../core/observation.ts';

const MAX_PATHS_PER_UNIT = 200;

/** How long a path stays noise after the control last disagreed with itself there. */
export const NOISE_MEMORY_MS = 10 * 60_000;

/**
 * The paths of each unit where the control disagreed with itself when read twice
 * (Diffy's idea, per field): differences there are noise, not mismatches. A path stays
 * noise for {@link NOISE_MEMORY_MS} after it was last seen noisy, so one stray
 * disagreement does not hide every later difference at that path: a path that is
 * really noisy keeps being learned by the unit's noise checks.
 */
export class NoiseMemory {
  readonly #paths = new Map<string, Map<string, number>>();
  readonly #memoryMs: number;
  readonly #now: () => number;

  constructor(options: { memoryMs?: number; now?: () => number } = {}) {
    this.#memoryMs = options.memoryMs ?? NOISE_MEMORY_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Remembers the paths where two control reads of `unit` differed. */
  learn(unit: string, diffs: readonly PathDiff[]): void {
    if (diffs.length === 0) return;
    const now = this.#now();
    let paths = this.#paths.get(unit);
    if (paths === undefined) {
      paths = new Map();
      this.#paths.set(unit, paths);
    }
    for (const diff of diffs) {
      if (paths.size >= MAX_PATHS_PER_UNIT && !paths.has(diff.path)) this.#forgetOld(paths, now);
      if (paths.size < MAX_PATHS_PER_UNIT || paths.has(diff.path)) paths.set(diff.path, now);
    }
  }

  /** True when every diff is on a path seen noisy for `unit` within the memory. */
  allNoise(unit: string, diffs: readonly PathDiff[]): boolean {
    const paths = this.#paths.get(unit);
    if (paths === undefined || diffs.length === 0) return false;
    const since = this.#now() - this.#memoryMs;
    return diffs.every((diff) => (paths.get(diff.path) ?? Number.NEGATIVE_INFINITY) >= since);
  }

  #forgetOld(paths: Map<string, number>, now: number): void {
    for (const [path, seen] of paths) if (seen < now - this.#memoryMs) paths.delete(path);
  }
}
