import {
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../errors.ts';

/** The root field a subscription operation subscribes to, with its argument values. */
export interface RootField {
  name: string;
  args: Record<string, unknown>;
}

/** Why a subscription's arguments cannot be read: its variables or arguments, as BAD_USER_INPUT. */
export interface RootFieldRefusal {
  errors: GraphQLError[];
}

function badUserInput(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    originalError: error,
    extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
  });
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
 * a subscription. Variables are coerced first, as graphql's own `subscribe` does: a
 * variable of the wrong type, a required one missing or null, or an argument that ends
 * up null where it may not, is a refusal with graphql's messages as BAD_USER_INPUT,
 * never a throw (which would close the whole socket).
 */
export function rootFieldOf(args: ExecutionArgs): RootField | RootFieldRefusal | null {
  const operation = getOperationAST(args.document, args.operationName);
  const type = args.schema.getSubscriptionType();
  if (operation?.operation !== 'subscription' || type === null || type === undefined) return null;
  const node = firstField(operation.selectionSet, args);
  const definition = node === null ? undefined : type.getFields()[node.name.value];
  if (node === null || definition === undefined) return null;
  const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], {
    ...args.variableValues,
  });
  if (variables.errors !== undefined) return { errors: variables.errors.map(badUserInput) };
  try {
    return { name: node.name.value, args: getArgumentValues(definition, node, variables.coerced) };
  } catch (error) {
    // getArgumentValues throws a GraphQLError about an argument; anything else is a fault.
    if (error instanceof GraphQLError) return { errors: [badUserInput(error)] };
    throw error;
  }
}
