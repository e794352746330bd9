import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNullableType,
  isListType,
} from 'graphql';
import type { PathDiff } from '../core/observation.ts';
import { type ComparisonRules, compareFrom, idOf, sameLeaf } from './compareValues.ts';
import {
  FOLLOW,
  type Followed,
  followed,
  projectAt,
  projectLeaf,
  projectSelection,
  type SelectionInfo,
} from './projectSelection.ts';
import { type IgnorePatterns, ignorePatterns, SegmentPath } from './segmentPath.ts';

/** A value of the unit could not be projected (a scalar's `serialize` threw): `cause` says why. */
export class ProjectionFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ProjectionFailure';
  }
}

// A hole of a sparse list: its projection (Array#map keeps holes) reads as `undefined`, not MISSING.
const HOLE: unique symbol = Symbol('hole');

/** One comparison's state: the path so far, written out only for a diff. */
interface Walk {
  info: SelectionInfo;
  rules: ComparisonRules;
  ignore: IgnorePatterns;
  diffs: PathDiff[];
  path: SegmentPath;
}

function leafOf(value: unknown, type: GraphQLOutputType, depth: number): unknown {
  return value === HOLE ? undefined : projectLeaf(value, type, depth);
}

function projected(
  leaf: unknown,
  value: unknown,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  walk: Walk,
  depth: number,
) {
  return leaf === FOLLOW ? projectAt(value, type, nodes, walk.info, depth) : leaf;
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

// Both sides at one node of the selection, `depth` projection levels down. Recursive,
// but bounded like the projection: levels past MAX_OBSERVED_DEPTH are leaves.
function compareNode(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  control: unknown,
  candidate: unknown,
): void {
  if (walk.path.ignoredBy(walk.ignore)) {
    // Projected all the same, as the two projected copies were: a value that cannot be
    // serialized fails the comparison even under an ignored path.
    if (control !== HOLE) projectAt(control, type, nodes, walk.info, depth);
    if (candidate !== HOLE) projectAt(candidate, type, nodes, walk.info, depth);
    return;
  }
  const left = leafOf(control, type, depth);
  const right = leafOf(candidate, type, depth);
  if (left === FOLLOW && right === FOLLOW) {
    const bare = getNullableType(type);
    if (isListType(bare))
      compareLists(walk, bare.ofType, nodes, depth + 1, control as unknown[], candidate as unknown[]);
    else compareFields(walk, bare as GraphQLObjectType, nodes, depth + 1, control, candidate);
    return;
  }
  const l = projected(left, control, type, nodes, walk, depth);
  const r = projected(right, candidate, type, nodes, walk, depth);
  // A scalar may serialize to an object or a list: compared as compareValues would.
  if (isContainer(l) && isContainer(r) && Array.isArray(l) === Array.isArray(r)) {
    compareFrom(walk.path.toString(), walk.path.depth, l, r, walk.rules, walk.diffs);
  } else if (!sameLeaf(l, r, walk.rules)) {
    const path = walk.path.toString();
    walk.diffs.push({ path: path === '' ? '.' : path, control: l, candidate: r });
  }
}

function compareFields(
  walk: Walk,
  named: GraphQLObjectType,
  nodes: readonly FieldNode[],
  depth: number,
  control: unknown,
  candidate: unknown,
): void {
  const left = control as Record<string, unknown>;
  const right = candidate as Record<string, unknown>;
  const fields = followed(named, nodes, walk.info);
  // An indexed loop: no iterator per object compared.
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as Followed;
    walk.path.enter(field.key);
    compareNode(walk, field.type, field.nodes, depth, left[field.name], right[field.name]);
    walk.path.leave();
  }
}

// The id compareValues pairs a projected item by, read from the item's projection of its `id` key alone.
function projectedId(
  walk: Walk,
  item: unknown,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
): string | undefined {
  const leaf = leafOf(item, type, depth);
  if (leaf !== FOLLOW) return idOf(leaf);
  const bare = getNullableType(type);
  if (isListType(bare)) return undefined;
  const fields = followed(bare as GraphQLObjectType, nodes, walk.info);
  let field: Followed | undefined;
  for (let i = 0; i < fields.length && field === undefined; i++)
    if (fields[i]?.key === 'id') field = fields[i];
  if (field === undefined) return undefined;
  const record = item as Record<string, unknown>;
  const id = projectAt(record[field.name], field.type, field.nodes, walk.info, depth + 1);
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function idsOf(
  walk: Walk,
  items: unknown[],
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
) {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const id = projectedId(walk, i in items ? items[i] : HOLE, type, nodes, depth);
    if (id === undefined) return null;
    ids.push(id);
  }
  return ids;
}

function compareLists(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  control: unknown[],
  candidate: unknown[],
): void {
  const leftIds = walk.rules.orderedLists ? null : idsOf(walk, control, type, nodes, depth);
  const rightIds = leftIds === null ? null : idsOf(walk, candidate, type, nodes, depth);
  if (leftIds !== null && rightIds !== null && sameDistinct(leftIds, rightIds)) {
    // The usual case, both lists with the same items in the same order: no maps to build.
    for (let i = 0; i < leftIds.length; i++) {
      walk.path.enter(leftIds[i] as string, true);
      compareNode(walk, type, nodes, depth, control[i], candidate[i]);
      walk.path.leave();
    }
  } else if (leftIds !== null && rightIds !== null) {
    compareById(
      walk,
      type,
      nodes,
      depth,
      byId(walk, control, leftIds, type, nodes, depth),
      byId(walk, candidate, rightIds, type, nodes, depth),
    );
  } else compareByPosition(walk, type, nodes, depth, control, candidate);
}

function compareByPosition(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  control: unknown[],
  candidate: unknown[],
): void {
  const length = Math.max(control.length, candidate.length);
  for (let i = 0; i < length; i++) {
    walk.path.enter(i);
    compareNode(walk, type, nodes, depth, itemAt(control, i), itemAt(candidate, i));
    walk.path.leave();
  }
}

// Whether two id lists are the same ids in the same order, none repeated (the pairing by id is then by position).
function sameDistinct(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length || left.length > 32) return false;
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) return false;
    for (let j = 0; j < i; j++) if (left[j] === left[i]) return false;
  }
  return true;
}

function itemAt(items: unknown[], index: number): unknown {
  if (index >= items.length) return undefined;
  return index in items ? items[index] : HOLE;
}

// Items by id, the last of a repeated id kept (as compareValues's Map does); the items it
// drops are still projected, as the projected copies were.
function byId(
  walk: Walk,
  items: unknown[],
  ids: string[],
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
): Map<string, unknown> {
  const map = new Map<string, unknown>();
  items.forEach((item, index) => {
    const id = ids[index] as string;
    if (map.has(id)) projectAt(map.get(id), type, nodes, walk.info, depth);
    map.set(id, item);
  });
  return map;
}

function compareById(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  left: Map<string, unknown>,
  right: Map<string, unknown>,
): void {
  for (const id of left.keys()) compareItem(walk, type, nodes, depth, id, left, right);
  for (const id of right.keys()) if (!left.has(id)) compareItem(walk, type, nodes, depth, id, left, right);
}

function compareItem(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  id: string,
  left: Map<string, unknown>,
  right: Map<string, unknown>,
): void {
  walk.path.enter(id, true);
  compareNode(walk, type, nodes, depth, left.get(id), right.get(id));
  walk.path.leave();
}

/**
 * Compares what the client would see of two resolver values for its selection, in one
 * walk of both raw values: the same diffs, paths and order as
 * `compareValues(root, projectSelection(control, info), projectSelection(candidate, info), rules)`,
 * without projecting copies of whole values. A diff holds the projections of the two
 * differing parts. Throws {@link ProjectionFailure} when projecting either value fails
 * (the error projecting would have thrown), and what comparing throws otherwise.
 */
export function compareSelection(
  root: string,
  control: unknown,
  candidate: unknown,
  info: SelectionInfo,
  rules: ComparisonRules,
): PathDiff[] {
  const walk: Walk = {
    info,
    rules,
    ignore: ignorePatterns(rules.ignore),
    diffs: [],
    path: new SegmentPath(root),
  };
  try {
    compareNode(walk, info.returnType, info.fieldNodes, 0, control, candidate);
  } catch (error) {
    throw failureOf(error, control, candidate, info);
  }
  return walk.diffs;
}

// Which error the two projections would have thrown, control first: walking both at
// once may meet another side's failure first.
function failureOf(error: unknown, control: unknown, candidate: unknown, info: SelectionInfo): unknown {
  try {
    projectSelection(control, info);
    projectSelection(candidate, info);
  } catch (projecting) {
    return new ProjectionFailure(projecting);
  }
  return error;
}
