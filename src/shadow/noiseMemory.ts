import type { PathDiff } from '../core/observation.ts';

const MAX_PATHS_PER_UNIT = 200;

/**
 * The paths of each unit where the control disagreed with itself when read twice
 * (Diffy's idea, per field): differences there are noise, not mismatches.
 */
export class NoiseMemory {
  readonly #paths = new Map<string, Set<string>>();

  /** Remembers the paths where two control reads of `unit` differed. */
  learn(unit: string, diffs: readonly PathDiff[]): void {
    const paths = this.#paths.get(unit) ?? new Set<string>();
    for (const diff of diffs) if (paths.size < MAX_PATHS_PER_UNIT) paths.add(diff.path);
    this.#paths.set(unit, paths);
  }

  /** True when every diff is on a path known to be noisy for `unit`. */
  allNoise(unit: string, diffs: readonly PathDiff[]): boolean {
    const paths = this.#paths.get(unit);
    return paths !== undefined && diffs.length > 0 && diffs.every((diff) => paths.has(diff.path));
  }
}
