import { createHmac } from 'node:crypto';
import type { PathDiff } from '../core/observation.ts';
import { boundDepth } from './boundDepth.ts';
import { pathTokens } from './compareValues.ts';
import { answeredSelections, type FieldTokens, fieldTokens, type Selections } from './fieldNames.ts';
import { ignorePatterns } from './segmentPath.ts';

/** Variable names whose values are hashed in every observation, wherever they appear. */
export const SENSITIVE_KEYS: readonly string[] = [
  'email',
  'password',
  'token',
  'secret',
  'phone',
  'jwt',
  'authorization',
];

/**
 * A keyed hash: stable for one salt, so equal values stay recognizable without being
 * readable. Values nested past the depth bound are hashed as their bounded copy.
 */
export function keyedHash(value: unknown, salt: string): string {
  return `hmac:${createHmac('sha256', salt)
    .update(JSON.stringify(boundDepth(value)) ?? 'undefined')
    .digest('hex')
    .slice(0, 16)}`;
}

/**
 * Hashes the values of sensitive keys (case-insensitive, at any depth) in an operation's
 * variables. Never recurses: levels past the depth bound are summarized, not followed.
 */
export function redactVariables(
  value: unknown,
  salt: string,
  keys: readonly string[] = SENSITIVE_KEYS,
): unknown {
  return boundDepth(value, undefined, (key, field) =>
    keys.includes(key.toLowerCase()) ? keyedHash(field, salt) : undefined,
  );
}

/** Units whose diffs' ids are user ids: a Profile's id is its user's auth id. */
export function idsAreUserIds(unit: string): boolean {
  return unit.startsWith('Profile.');
}

/** How {@link redactDiffs} reads the diffs beyond their patterns. */
export interface DiffRedaction {
  /** Whether each diff's `id` is a user id, then stored as its keyed hash (as `userHash` is). */
  hashIds?: boolean;
  /**
   * The selections a diff's path is read against when no comparison noted where it was
   * answered (a subscription's document); null or absent: its path as written. Called once at most.
   */
  selections?: () => Selections | null;
}

// A pattern's token against one of the names a path's token stands for, as `ignore` matches.
function matchesName(wanted: string, name: string): boolean {
  return wanted === name || wanted === '*' || (wanted === '[*]' && name.startsWith('['));
}

// Whether a pattern and a path by field names agree on every token both have: the
// diff's value is the pattern's, holds it, or lies inside it.
function overlaps(pattern: readonly string[], path: FieldTokens): boolean {
  const length = Math.min(pattern.length, path.length);
  for (let i = 0; i < length; i++) {
    const wanted = pattern[i] as string;
    if (!(path[i] as readonly string[]).some((name) => matchesName(wanted, name))) return false;
  }
  return true;
}

// Reads diffs' paths by field names: against the operation their comparison noted, else
// the selections `how` gives, else as written. Once per selections and path: a list's
// items share their paths.
function pathReader(how: DiffRedaction): (diff: PathDiff) => FieldTokens {
  let given: Selections | null | undefined;
  const read = new Map<Selections | null, Map<string, FieldTokens>>();
  return (diff) => {
    let selections = answeredSelections(diff);
    if (selections === null) {
      if (given === undefined) given = how.selections?.() ?? null;
      selections = given;
    }
    let paths = read.get(selections);
    if (paths === undefined) {
      paths = new Map();
      read.set(selections, paths);
    }
    let tokens = paths.get(diff.path);
    if (tokens === undefined) {
      tokens =
        selections === null
          ? pathTokens(diff.path).map((token) => [token])
          : fieldTokens(diff.path, selections);
      paths.set(diff.path, tokens);
    }
    return tokens;
  };
}

/**
 * Hashes both values of every diff whose path, read by field names whatever aliases the
 * client used, matches one of `patterns`, lies inside one (a key of a redacted value),
 * or encloses one (a whole object, list item or answer that holds a redacted value): the
 * whole value is hashed. The other values are kept, with levels past the depth bound
 * summarized so they can be stored. Ids are hashed with `hashIds`.
 */
export function redactDiffs(
  diffs: readonly PathDiff[],
  patterns: readonly string[],
  salt: string,
  how: DiffRedaction = {},
): PathDiff[] {
  const wanted = ignorePatterns(patterns).tokens;
  const pathOf = pathReader(how);
  return diffs.map((diff) => {
    const where =
      diff.id === undefined
        ? { path: diff.path }
        : { path: diff.path, id: how.hashIds === true ? keyedHash(diff.id, salt) : diff.id };
    const path = wanted.length === 0 ? [] : pathOf(diff);
    return wanted.some((pattern) => overlaps(pattern, path))
      ? { ...where, control: keyedHash(diff.control, salt), candidate: keyedHash(diff.candidate, salt) }
      : { ...where, control: boundDepth(diff.control), candidate: boundDepth(diff.candidate) };
  });
}
