import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSkipDirective,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type SelectionNode,
} from 'graphql';
import { deeperThan, MAX_OBSERVED_DEPTH } from './boundDepth.ts';
import { type Reference, referenceOf } from './referenceField.ts';

/** What a projection needs from the field's GraphQLResolveInfo. */
export interface SelectionInfo {
  returnType: GraphQLOutputType;
  fieldNodes: readonly FieldNode[];
  fragments: Record<string, FragmentDefinitionNode>;
  variableValues: Record<string, unknown>;
}

/** Marks a property the value does not have at all, told apart from `null`. */
export const MISSING = '(missing)';

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

// The fields selected on an object type, through fragments and inline fragments
// whose type condition names it, keyed by the response key (the alias if any).
function collectFields(
  typeName: string,
  selections: readonly SelectionNode[],
  info: SelectionInfo,
  into = new Map<string, FieldNode[]>(),
) {
  for (const selection of selections) {
    if (!included(selection, info.variableValues)) continue;
    if (selection.kind === 'Field') {
      const key = selection.alias?.value ?? selection.name.value;
      into.set(key, [...(into.get(key) ?? []), selection]);
    } else if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition === undefined || selection.typeCondition.name.value === typeName) {
        collectFields(typeName, selection.selectionSet.selections, info, into);
      }
    } else {
      const fragment = info.fragments[selection.name.value];
      if (fragment !== undefined && fragment.typeCondition.name.value === typeName) {
        collectFields(typeName, fragment.selectionSet.selections, info, into);
      }
    }
  }
  return into;
}

/** A field the projection follows on an object type: its response key and what it needs. */
export interface Followed {
  key: string;
  name: string;
  type: GraphQLOutputType;
  nodes: FieldNode[];
  /** For a reference field (`Party.profile`), what it points at from the parent's own fields. */
  reference?: (parent: unknown) => Reference;
}

/** The value of `field` on a side's raw object: a reference's target, else the property. */
export function fieldValue(record: Record<string, unknown>, field: Followed): unknown {
  return field.reference === undefined ? record[field.name] : field.reference(record);
}

// The fields to follow per selection and object type, computed once per request: every
// item of a list shares its field nodes (graphql-js memoizes them), so a 50-item list
// collects its selection once, not 50 times. Keyed by the variables too (@skip/@include).
const followedCache = new WeakMap<
  readonly FieldNode[],
  { variables: Record<string, unknown>; byType: Map<string, Followed[]> }
>();

/**
 * The fields a projection follows on object type `named` for the selection `nodes`:
 * response keys in selection order, fields with a resolver of their own (but references)
 * and `__typename` left out. Cached per field nodes and variables.
 */
export function followed(
  named: GraphQLObjectType,
  nodes: readonly FieldNode[],
  info: SelectionInfo,
): Followed[] {
  let cached = followedCache.get(nodes);
  if (cached === undefined || cached.variables !== info.variableValues) {
    cached = { variables: info.variableValues, byType: new Map() };
    followedCache.set(nodes, cached);
  }
  let fields = cached.byType.get(named.name);
  if (fields === undefined) {
    const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
    const defined = named.getFields();
    fields = [];
    for (const [key, fieldNodes] of collectFields(named.name, selections, info)) {
      const name = fieldNodes[0]?.name.value ?? key;
      const field = defined[name];
      // __typename is the same on both sides; a field with a resolver of its own is
      // another unit, compared by its own experiment, unless it is a reference, whose
      // target (by id) is compared here.
      if (name === '__typename' || field === undefined) continue;
      const reference = field.resolve === undefined ? undefined : referenceOf(field);
      if (reference === null) continue;
      fields.push({ key, name, type: field.type, nodes: fieldNodes, ...(reference && { reference }) });
    }
    cached.byType.set(named.name, fields);
  }
  return fields;
}

/** What {@link projectLeaf} answers for a value whose projection is a list or an object to follow. */
export const FOLLOW: unique symbol = Symbol('follow');

/**
 * What `value` projects to at `type`, `depth` levels down, when that is a leaf: its
 * scalar's serialization, `null`, {@link MISSING}, or the depth summary. {@link FOLLOW}
 * when it is an array at a list type or an object at an object type, to be followed.
 * Throws what the scalar's `serialize` throws.
 */
export function projectLeaf(value: unknown, type: GraphQLOutputType, depth: number): unknown {
  const bare = isNonNullType(type) ? type.ofType : type;
  if (value === undefined) return MISSING;
  if (value === null) return null;
  if (isLeafType(bare)) return bare.serialize(value);
  if (depth >= MAX_OBSERVED_DEPTH) return deeperThan(MAX_OBSERVED_DEPTH);
  if (isListType(bare)) return Array.isArray(value) ? FOLLOW : MISSING;
  return isObjectType(getNamedType(bare)) && typeof value === 'object' ? FOLLOW : MISSING;
}

/**
 * Projects the part of a value found at `type` and field `nodes`, `depth` levels below
 * the unit's field: {@link projectSelection} for a subtree. Recursive, but bounded:
 * every call goes one list or object level deeper, and levels past MAX_OBSERVED_DEPTH
 * are summarized rather than followed.
 */
export function projectAt(
  value: unknown,
  type: GraphQLOutputType,
  nodes: readonly FieldNode[],
  info: SelectionInfo,
  depth: number,
): unknown {
  const leaf = projectLeaf(value, type, depth);
  if (leaf !== FOLLOW) return leaf;
  const bare = getNullableType(type);
  if (isListType(bare)) {
    return (value as unknown[]).map((item) => projectAt(item, bare.ofType, nodes, info, depth + 1));
  }
  const result: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const field of followed(bare as GraphQLObjectType, nodes, info))
    result[field.key] = projectAt(fieldValue(record, field), field.type, field.nodes, info, depth + 1);
  return result;
}

/**
 * What the client sees of a resolver's value for the selection it made: leaves
 * serialized by their scalar (DateTime as a UTC instant), aliases as response keys,
 * fragments and @skip/@include applied, nested plain objects followed. Fields with a
 * resolver of their own are left out: they are other units, compared on their own;
 * references (see referenceField.ts) are followed to the object they point at.
 * Lists and objects nested past the depth bound are summarized, not followed.
 */
export function projectSelection(value: unknown, info: SelectionInfo): unknown {
  return projectAt(value, info.returnType, info.fieldNodes, info, 0);
}
