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
 * What a {@link Pair} is: two values to compare; the items of an id held by more than one
 * item on either side (`control` and `candidate` then being the two lists of them); or the
 * end of such a group's items, all found equal pair by pair.
 */
const VALUES = 0;
const REPEATED = 1;
const GROUP_END = 2;
type PairKind = typeof VALUES | typeof REPEATED | typeof GROUP_END;

/** One pair of values still to compare, at its path (`depth`: the path's number of tokens). */
interface Pair {
  path: string;
  depth: number;
  control: unknown;
  candidate: unknown;
  kind: PairKind;
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
      kind: VALUES,
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
      kind: grouped ? REPEATED : VALUES,
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
    kind: VALUES,
  }));
}

/** A walk's state: the pairs still to compare, the diffs so far, how many groups are open on the stack. */
interface Walk {
  stack: Pair[];
  diffs: PathDiff[];
  groups: number;
}

// The items of a repeated id: as many on each side are compared pair by pair (the k-th
// against the k-th), a GROUP_END under them; other counts are the group's diff at once.
function openGroup(walk: Walk, group: Pair): void {
  const control = group.control as unknown[];
  const candidate = group.candidate as unknown[];
  if (control.length !== candidate.length) {
    report(walk, { path: group.path, control, candidate });
    return;
  }
  walk.stack.push({ ...group, kind: GROUP_END });
  walk.groups++;
  for (let i = control.length - 1; i >= 0; i--)
    walk.stack.push({
      path: group.path,
      depth: group.depth,
      control: control[i],
      candidate: candidate[i],
      kind: VALUES,
    });
}

// Adds a diff. Inside a group, the first differing pair makes the group's diff instead (the
// outermost open group's, when groups nest), and the rest of the group is left uncompared.
function report(walk: Walk, diff: PathDiff): void {
  let reported = diff;
  while (walk.groups > 0) {
    let entry = walk.stack.pop() as Pair;
    while (entry.kind !== GROUP_END) entry = walk.stack.pop() as Pair;
    walk.groups--;
    reported = { path: entry.path, control: entry.control, candidate: entry.candidate };
  }
  walk.diffs.push(reported);
}

// Depth-first with a stack of its own instead of recursion: answers nested 200,000
// levels overflowed the call stack. A path is matched against the ignore patterns only
// at a pattern's length: tokenizing every path made deep answers quadratic.
function walkFrom(root: Pair, rules: ComparisonRules, diffs: PathDiff[]) {
  const lengths = new Set(rules.ignore.map((pattern) => pathTokens(pattern).length));
  const walk: Walk = { stack: [root], diffs, groups: 0 };
  const { stack } = walk;
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const { path, control, candidate } = pair;
    // A GROUP_END has its group's path, which was not ignored.
    if (path !== '' && lengths.has(pair.depth) && isIgnored(path, rules.ignore)) continue;
    if (pair.kind !== VALUES) {
      if (pair.kind === REPEATED) openGroup(walk, pair);
      else walk.groups--;
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
      report(walk, { path: path === '' ? '.' : path, control, candidate });
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
  walkFrom({ path, depth, control, candidate, kind: VALUES }, rules, diffs);
}

/**
 * Compares the projected items of an id held by more than one item on either side, found
 * at `path` (`…[id=X]`), `depth` path tokens deep, as {@link compareValues} does there.
 */
export function compareRepeated(
  path: string,
  depth: number,
  control: unknown[],
  candidate: unknown[],
  rules: ComparisonRules,
  diffs: PathDiff[],
): void {
  walkFrom({ path, depth, control, candidate, kind: REPEATED }, rules, diffs);
}

/**
 * Compares two projected answers: objects key by key, lists by item id (or by
 * position when items have no id or order matters), numbers within a tolerance,
 * instants as instants; `null` and a missing property are different. An id that more
 * than one item holds, on either side, matches when both sides hold as many items with
 * it, equal pair by pair in list order; otherwise it is one diff at `[id=…]` whose values
 * are the lists of that id's items on each side. Returns every differing path with both
 * values, `root` prefixed.
 */
export function compareValues(
  root: string,
  control: unknown,
  candidate: unknown,
  rules: ComparisonRules = DEFAULT_RULES,
): PathDiff[] {
  const diffs: PathDiff[] = [];
  walkFrom({ path: root, depth: pathTokens(root).length, control, candidate, kind: VALUES }, rules, diffs);
  return diffs;
}
