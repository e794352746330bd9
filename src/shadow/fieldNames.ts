import {
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionNode,
} from 'graphql';
import type { PathDiff } from '../core/observation.ts';
import { pathTokens } from './compareValues.ts';

/**
 * The operation a diff's path was answered from and the fragments it spreads: a field's
 * GraphQLResolveInfo (its `operation` is the operation's definition, typed loosely by
 * the shadow runner, which only reads its name).
 */
export interface AnsweredBy {
  operation: object;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
}

/** A document's top-level selections and its fragments: what a path's response keys are looked up in. */
export interface Selections {
  roots: readonly SelectionNode[];
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
}

/**
 * A path's tokens by field name: per token, every field name its response key stands for
 * in the selection (one, unless an alias names different fields under different type
 * conditions). List items (`[*]`, `[id=…]`, `[3]`) and keys the selection does not
 * hold (inside a scalar's value) are themselves.
 */
export type FieldTokens = readonly (readonly string[])[];

// The diffs of shadow reads, each with what its path was answered from: paths use the
// client's aliases, and redaction matches on field names.
const answered = new WeakMap<PathDiff, AnsweredBy>();

/** Notes the field `diff`'s path was answered from, so that redaction can read the path by field names. */
export function noteAnsweredBy(diff: PathDiff, by: AnsweredBy): void {
  answered.set(diff, by);
}

// Each field's selections, read once: a list's items share the field's info.
const selectionsByField = new WeakMap<AnsweredBy, Selections | null>();

/** The selections of the operation a field was answered from; null when the operation is not known. */
export function selectionsAnswering(by: AnsweredBy): Selections | null {
  let selections = selectionsByField.get(by);
  if (selections === undefined) {
    const roots = (by.operation as Partial<OperationDefinitionNode>).selectionSet?.selections;
    selections = roots === undefined ? null : { roots, fragments: by.fragments };
    selectionsByField.set(by, selections);
  }
  return selections;
}

/** The selections of the operation a diff was answered from, when it was noted and the operation is known. */
export function answeredSelections(diff: PathDiff): Selections | null {
  const by = answered.get(diff);
  return by === undefined ? null : selectionsAnswering(by);
}

/**
 * The selections of an operation's document (`query`, as the client sent it): the named
 * operation's, or every operation's when `operationName` names none of them. Throws what
 * parsing throws.
 */
export function selectionsOfQuery(query: string, operationName: string | null): Selections {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  const operations: OperationDefinitionNode[] = [];
  for (const definition of parse(query).definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const named = operations.filter((operation) => operation.name?.value === operationName);
  const chosen = named.length === 1 ? named : operations;
  return { roots: chosen.flatMap((operation) => operation.selectionSet.selections), fragments };
}

// The fields of `selections` with response key `key`, through fragments and inline
// fragments of every type condition (a fragment is spread once).
function fieldsKeyed(
  selections: readonly SelectionNode[],
  key: string,
  fragments: Selections['fragments'],
  spread: Set<string>,
  into: FieldNode[],
): FieldNode[] {
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias ?? selection.name).value === key) into.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fieldsKeyed(selection.selectionSet.selections, key, fragments, spread, into);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment !== undefined) fieldsKeyed(fragment.selectionSet.selections, key, fragments, spread, into);
    }
  }
  return into;
}

/**
 * The fields of `selections` by response key, through fragments and inline fragments of
 * every type condition: one level of a selection, as a path's key may stand for them.
 */
export function fieldsByKey(
  selections: readonly SelectionNode[],
  fragments: Selections['fragments'],
  spread: Set<string> = new Set(),
  into: Map<string, FieldNode[]> = new Map(),
): Map<string, FieldNode[]> {
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const key = (selection.alias ?? selection.name).value;
      const fields = into.get(key);
      if (fields === undefined) into.set(key, [selection]);
      else fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fieldsByKey(selection.selectionSet.selections, fragments, spread, into);
    } else if (!spread.has(selection.name.value)) {
      spread.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment !== undefined) fieldsByKey(fragment.selectionSet.selections, fragments, spread, into);
    }
  }
  return into;
}

/**
 * `path` (a diff's, from the operation's root: `x.t` for `{ x: commitment { t: terms } }`)
 * read by field names ([['commitment'], ['terms']]), its response keys looked up in `selections`.
 */
export function fieldTokens(path: string, selections: Selections): FieldTokens {
  let at: readonly SelectionNode[] = selections.roots;
  return pathTokens(path).map((token) => {
    if (token.startsWith('[')) return [token];
    const fields = fieldsKeyed(at, token, selections.fragments, new Set(), []);
    at = fields.flatMap((field) => field.selectionSet?.selections ?? []);
    return fields.length === 0 ? [token] : [...new Set(fields.map((field) => field.name.value))];
  });
}
