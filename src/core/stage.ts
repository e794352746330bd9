/**
 * Where a migration unit stands for one user (LaunchDarkly's migration stages):
 *
 * | stage       | reads served by | writes                                 |
 * | ----------- | --------------- | -------------------------------------- |
 * | `legacy`    | legacy          | legacy only                            |
 * | `dualwrite` | legacy          | legacy first, mirrored to target       |
 * | `shadow`    | legacy          | legacy first, mirrored to target       |
 * | `live`      | target          | target first, mirrored to legacy       |
 * | `rampdown`  | target          | target first, mirrored to legacy       |
 * | `complete`  | target          | target only                            |
 */
export type Stage = 'legacy' | 'dualwrite' | 'shadow' | 'live' | 'rampdown' | 'complete';

/** The stages in the order a unit moves through them. */
export const STAGES: readonly Stage[] = ['legacy', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'];

/** One of the two sides of a migration. */
export type Side = 'legacy' | 'target';

/** True when `value` names a stage. */
export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** The side that serves reads in `stage`. */
export function readSide(stage: Stage): Side {
  switch (stage) {
    case 'legacy':
    case 'dualwrite':
    case 'shadow':
      return 'legacy';
    case 'live':
    case 'rampdown':
    case 'complete':
      return 'target';
  }
}

/** The authoritative side for writes in `stage`: it is written first and its answer is returned. */
export function writeSide(stage: Stage): Side {
  return readSide(stage);
}

/** The side a write is mirrored to after the authoritative write, or null when there is none. */
export function mirrorSide(stage: Stage): Side | null {
  switch (stage) {
    case 'legacy':
    case 'complete':
      return null;
    case 'dualwrite':
    case 'shadow':
      return 'target';
    case 'live':
    case 'rampdown':
      return 'legacy';
  }
}

/** The side read in the background and compared in `stage`, or null when there is no shadow read. */
export function shadowSide(stage: Stage): Side | null {
  switch (stage) {
    case 'shadow':
      return 'target';
    case 'live':
      return 'legacy';
    case 'legacy':
    case 'dualwrite':
    case 'rampdown':
    case 'complete':
      return null;
  }
}
