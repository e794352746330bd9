import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNullableType,
  isListType,
} from 'graphql';
import { idOf } from './compareValues.ts';
import {
  FOLLOW,
  type Followed,
  fieldValue,
  followed,
  projectAt,
  projectLeaf,
  type SelectionInfo,
} from './projectSelection.ts';

// The ids compareSelection pairs the items of two raw lists by: those compareValues pairs their projections by.

/** A hole of a sparse list: its projection (Array#map keeps holes) reads as `undefined`, not MISSING. */
export const HOLE: unique symbol = Symbol('hole');

/** {@link projectLeaf} of a raw value, a hole reading as `undefined`. */
export function leafOf(value: unknown, type: GraphQLOutputType, depth: number): unknown {
  return value === HOLE ? undefined : projectLeaf(value, type, depth);
}

// The id compareValues pairs a projected item by, read from the item's projection of its `id` key alone.
function projectedId(
  info: SelectionInfo,
  item: unknown,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
): string | undefined {
  const leaf = leafOf(item, type, depth);
  if (leaf !== FOLLOW) return idOf(leaf);
  const bare = getNullableType(type);
  if (isListType(bare)) return undefined;
  const fields = followed(bare as GraphQLObjectType, nodes, info);
  let field: Followed | undefined;
  for (let i = 0; i < fields.length && field === undefined; i++)
    if (fields[i]?.key === 'id') field = fields[i];
  if (field === undefined) return undefined;
  const record = item as Record<string, unknown>;
  const id = projectAt(fieldValue(record, field), field.type, field.nodes, info, depth + 1);
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** The ids of a raw list's items, `depth` projection levels down; `null` when one has none (pairing is then by position). */
export function idsOf(
  info: SelectionInfo,
  items: unknown[],
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  depth: number,
): string[] | null {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const id = projectedId(info, i in items ? items[i] : HOLE, type, nodes, depth);
    if (id === undefined) return null;
    ids.push(id);
  }
  return ids;
}

/** Whether two id lists are the same ids in the same order, none repeated (the pairing by id is then by position). */
export function sameDistinct(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length || left.length > 32) return false;
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) return false;
    for (let j = 0; j < i; j++) if (left[j] === left[i]) return false;
  }
  return true;
}
