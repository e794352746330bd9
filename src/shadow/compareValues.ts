import type { PathDiff } from './observation.ts';
import { MISSING } from './projectSelection.ts';

/** How a unit's two answers are compared. */
export interface ComparisonRules {
  /** Paths never compared; `*` matches one key, `[*]` any list item: `edges[*].cursor`. */
  ignore: readonly string[];
  /** Numbers this close are equal. @default 0 */
  tolerance: number;
  /** Compare lists by position even when their items have ids (e.g. a sorted page). @default false */
  orderedLists: boolean;
}

/** The rules when a unit sets none. */
export const DEFAULT_RULES: ComparisonRules = { ignore: [], tolerance: 0, orderedLists: false };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function tokens(path: string): string[] {
  return path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
}

/** True when `path` matches one of the ignore patterns. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const actual = tokens(path);
  return patterns.some((pattern) => {
    const wanted = tokens(pattern);
    return (
      wanted.length === actual.length &&
      wanted.every(
        (token, index) =>
          token === actual[index] ||
          token === '*' ||
          (token === '[*]' && actual[index]?.startsWith('[') === true),
      )
    );
  });
}

function sameLeaf(control: unknown, candidate: unknown, rules: ComparisonRules): boolean {
  if (typeof control === 'number' && typeof candidate === 'number')
    return Math.abs(control - candidate) <= rules.tolerance;
  // Instants written with another offset or precision are the same instant.
  if (
    typeof control === 'string' &&
    typeof candidate === 'string' &&
    ISO_INSTANT.test(control) &&
    ISO_INSTANT.test(candidate)
  ) {
    return Date.parse(control) === Date.parse(candidate);
  }
  return Object.is(control, candidate);
}

function idOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const id = (item as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareLists(
  path: string,
  control: unknown[],
  candidate: unknown[],
  rules: ComparisonRules,
  diffs: PathDiff[],
) {
  const keyed = !rules.orderedLists && [...control, ...candidate].every((item) => idOf(item) !== undefined);
  if (!keyed) {
    for (let i = 0; i < Math.max(control.length, candidate.length); i++) {
      walk(
        `${path}[${i}]`,
        i < control.length ? control[i] : MISSING,
        i < candidate.length ? candidate[i] : MISSING,
        rules,
        diffs,
      );
    }
    return;
  }
  const byId = (items: unknown[]) => new Map(items.map((item) => [idOf(item) as string, item]));
  const left = byId(control);
  const right = byId(candidate);
  for (const id of new Set([...left.keys(), ...right.keys()])) {
    walk(`${path}[id=${id}]`, left.get(id) ?? MISSING, right.get(id) ?? MISSING, rules, diffs);
  }
}

function walk(path: string, control: unknown, candidate: unknown, rules: ComparisonRules, diffs: PathDiff[]) {
  if (path !== '' && isIgnored(path, rules.ignore)) return;
  if (Array.isArray(control) && Array.isArray(candidate))
    return compareLists(path, control, candidate, rules, diffs);
  if (isRecord(control) && isRecord(candidate)) {
    for (const key of new Set([...Object.keys(control), ...Object.keys(candidate)])) {
      walk(
        path === '' ? key : `${path}.${key}`,
        key in control ? control[key] : MISSING,
        key in candidate ? candidate[key] : MISSING,
        rules,
        diffs,
      );
    }
    return;
  }
  if (!sameLeaf(control, candidate, rules))
    diffs.push({ path: path === '' ? '.' : path, control, candidate });
}

/**
 * Compares two projected answers: objects key by key, lists by item id (or by
 * position when items have no id or order matters), numbers within a tolerance,
 * instants as instants; `null` and a missing property are different. Returns every
 * differing path with both values, `root` prefixed.
 */
export function compareValues(
  root: string,
  control: unknown,
  candidate: unknown,
  rules: ComparisonRules = DEFAULT_RULES,
): PathDiff[] {
  const diffs: PathDiff[] = [];
  walk(root, control, candidate, rules, diffs);
  return diffs;
}
