import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNullableType,
  isListType,
} from 'graphql';
import type { PathDiff } from '../core/observation.ts';
import { type ComparisonRules, compareFrom, compareRepeated, sameLeaf } from './compareValues.ts';
import { groupOf, type ItemsById, isRepeated, itemsById } from './itemsById.ts';
import {
  FOLLOW,
  type Followed,
  fieldValue,
  followed,
  projectAt,
  projectSelection,
  type SelectionInfo,
} from './projectSelection.ts';
import { type IgnorePatterns, ignorePatterns, SegmentPath } from './segmentPath.ts';
import { HOLE, idsOf, leafOf, sameDistinct } from './selectionIds.ts';

/** A value of the unit could not be projected (a scalar's `serialize` threw): `cause` says why. */
export class ProjectionFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ProjectionFailure';
  }
}

/** One comparison's state: the path so far, written out only for a diff. */
interface Walk {
  info: SelectionInfo;
  rules: ComparisonRules;
  ignore: IgnorePatterns;
  diffs: PathDiff[];
  path: SegmentPath;
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
    compareNode(walk, field.type, field.nodes, depth, fieldValue(left, field), fieldValue(right, field));
    walk.path.leave();
  }
}

function compareLists(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  control: unknown[],
  candidate: unknown[],
): void {
  const leftIds = walk.rules.orderedLists ? null : idsOf(walk.info, control, type, nodes, depth);
  const rightIds = leftIds === null ? null : idsOf(walk.info, candidate, type, nodes, depth);
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
      itemsById(control, (i) => leftIds[i] as string),
      itemsById(candidate, (i) => rightIds[i] as string),
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

function itemAt(items: unknown[], index: number): unknown {
  if (index >= items.length) return undefined;
  return index in items ? items[index] : HOLE;
}

// Ids held once on each side compared item to item; an id held by more than one item on
// either side compared as its items on each side, by compareValues.
function compareById(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  left: ItemsById,
  right: ItemsById,
): void {
  for (const id of left.items.keys()) compareItem(walk, type, nodes, depth, id, left, right);
  for (const id of right.items.keys())
    if (!left.items.has(id)) compareItem(walk, type, nodes, depth, id, left, right);
}

function compareItem(
  walk: Walk,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
  id: string,
  left: ItemsById,
  right: ItemsById,
): void {
  walk.path.enter(id, true);
  if (isRepeated(left, right, id)) {
    // Projected even under an ignored path, as the projected copies were; the projections
    // then compared as compareValues compares them, so the diff, if any, holds them.
    const project = (item: unknown) => projectAt(item, type, nodes, walk.info, depth);
    const control = groupOf(left, id).map(project);
    const candidate = groupOf(right, id).map(project);
    if (!walk.path.ignoredBy(walk.ignore))
      compareRepeated(walk.path.toString(), walk.path.depth, control, candidate, walk.rules, walk.diffs);
  } else compareNode(walk, type, nodes, depth, left.items.get(id), right.items.get(id));
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
