import {
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getOperationAST,
  type SelectionSetNode,
} from 'graphql';

/** The root field a subscription operation subscribes to, with its argument values. */
export interface RootField {
  name: string;
  args: Record<string, unknown>;
}

function firstField(selectionSet: SelectionSetNode, args: ExecutionArgs): FieldNode | null {
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'Field') return selection;
    const nested =
      selection.kind === 'InlineFragment'
        ? selection.selectionSet
        : args.document.definitions.find(
            (definition): definition is FragmentDefinitionNode =>
              definition.kind === 'FragmentDefinition' && definition.name.value === selection.name.value,
          )?.selectionSet;
    if (nested === undefined) continue;
    const field = firstField(nested, args);
    if (field !== null) return field;
  }
  return null;
}

/**
 * The root field of a validated subscription operation (graphql's rules allow exactly
 * one), with its arguments coerced against the schema; null when the operation is not
 * a subscription.
 */
export function rootFieldOf(args: ExecutionArgs): RootField | null {
  const operation = getOperationAST(args.document, args.operationName);
  const type = args.schema.getSubscriptionType();
  if (operation?.operation !== 'subscription' || type === null || type === undefined) return null;
  const node = firstField(operation.selectionSet, args);
  const definition = node === null ? undefined : type.getFields()[node.name.value];
  if (node === null || definition === undefined) return null;
  return {
    name: node.name.value,
    args: getArgumentValues(definition, node, args.variableValues ?? undefined),
  };
}
