import type { PathDiff } from '../core/observation.ts';
import { groupOf, isRepeated, itemsById } from './itemsById.ts';
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

/** A path's tokens as ignore patterns see them: keys and bracketed list items (`[3]`, `[id=…]`, `[*]`). */
export function pathTokens(path: string): string[] {
  return path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
}

/** True when `path` matches one of the ignore patterns. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const actual = pathTokens(path);
  return patterns.some((pattern) => {
    const wanted = pathTokens(pattern);
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

/** True when two leaves are equal: numbers within the tolerance, ISO instants as instants, else `Object.is`. */
export function sameLeaf(control: unknown, candidate: unknown, rules: ComparisonRules): boolean {
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

/** The id a list item is paired by: its `id` property when a string or number, as a string. */
export function idOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const id = (item as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One pair of values still to compare, at its path (`depth`: the path's number of tokens);
 * `grouped`: the items of an id held by more than one item, a diff unless ignored.
 */
interface Pair {
  path: string;
  depth: number;
  control: unknown;
  candidate: unknown;
  grouped: boolean;
}

// The pairs of list items to compare: by id when every item has one, else by position.
// An id held by more than one item on either side is one pair of its items on each side.
function listPairs(parent: Pair, control: unknown[], candidate: unknown[], rules: ComparisonRules): Pair[] {
  const { path, depth } = parent;
  const keyed = !rules.orderedLists && [...control, ...candidate].every((item) => idOf(item) !== undefined);
  if (!keyed) {
    return Array.from({ length: Math.max(control.length, candidate.length) }, (_, i) => ({
      path: `${path}[${i}]`,
      depth: depth + 1,
      control: i < control.length ? control[i] : MISSING,
      candidate: i < candidate.length ? candidate[i] : MISSING,
      grouped: false,
    }));
  }
  const left = itemsById(control, (i) => idOf(control[i]) as string);
  const right = itemsById(candidate, (i) => idOf(candidate[i]) as string);
  const pairs: Pair[] = [];
  const add = (id: string) => {
    const grouped = isRepeated(left, right, id);
    pairs.push({
      path: `${path}[id=${id}]`,
      depth: depth + 1,
      control: grouped ? groupOf(left, id) : (left.items.get(id) ?? MISSING),
      candidate: grouped ? groupOf(right, id) : (right.items.get(id) ?? MISSING),
      grouped,
    });
  };
  for (const id of left.items.keys()) add(id);
  for (const id of right.items.keys()) if (!left.items.has(id)) add(id);
  return pairs;
}

function recordPairs(
  parent: Pair,
  control: Record<string, unknown>,
  candidate: Record<string, unknown>,
): Pair[] {
  const { path, depth } = parent;
  return [...new Set([...Object.keys(control), ...Object.keys(candidate)])].map((key) => ({
    path: path === '' ? key : `${path}.${key}`,
    depth: depth + 1,
    control: key in control ? control[key] : MISSING,
    candidate: key in candidate ? candidate[key] : MISSING,
    grouped: false,
  }));
}

// Depth-first with a stack of its own instead of recursion: answers nested 200,000
// levels overflowed the call stack. A path is matched against the ignore patterns only
// at a pattern's length: tokenizing every path made deep answers quadratic.
function walk(root: Pair, rules: ComparisonRules, diffs: PathDiff[]) {
  const lengths = new Set(rules.ignore.map((pattern) => pathTokens(pattern).length));
  const stack: Pair[] = [root];
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { path, control, candidate } = pair;
    if (path !== '' && lengths.has(pair.depth) && isIgnored(path, rules.ignore)) continue;
    if (pair.grouped) {
      diffs.push({ path, control, candidate });
      continue;
    }
    let children: Pair[] | null = null;
    if (Array.isArray(control) && Array.isArray(candidate))
      children = listPairs(pair, control, candidate, rules);
    else if (isRecord(control) && isRecord(candidate)) children = recordPairs(pair, control, candidate);
    if (children !== null) {
      // Reversed, so the stack hands them out in order and diffs keep the answer's order.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Pair);
    } else if (!sameLeaf(control, candidate, rules)) {
      diffs.push({ path: path === '' ? '.' : path, control, candidate });
    }
  }
}

/**
 * Compares two projected values found at `path`, `depth` path tokens deep, adding every
 * differing path to `diffs`: {@link compareValues} from inside an answer.
 */
export function compareFrom(
  path: string,
  depth: number,
  control: unknown,
  candidate: unknown,
  rules: ComparisonRules,
  diffs: PathDiff[],
): void {
  walk({ path, depth, control, candidate, grouped: false }, rules, diffs);
}

/**
 * Compares two projected answers: objects key by key, lists by item id (or by
 * position when items have no id or order matters), numbers within a tolerance,
 * instants as instants; `null` and a missing property are different. An id that more
 * than one item holds, on either side, is one diff at `[id=…]` whose values are the
 * lists of that id's items on each side. Returns every differing path with both
 * values, `root` prefixed.
 */
export function compareValues(
  root: string,
  control: unknown,
  candidate: unknown,
  rules: ComparisonRules = DEFAULT_RULES,
): PathDiff[] {
  const diffs: PathDiff[] = [];
  walk({ path: root, depth: pathTokens(root).length, control, candidate, grouped: false }, rules, diffs);
  return diffs;
}
