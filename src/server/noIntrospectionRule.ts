import {
  type ASTVisitor,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  type ValidationContext,
  validate,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

/**
 * A validation rule that refuses `__schema` and `__type` (not `__typename`), with a
 * message naming the setting that allows them: introspection is off in production
 * unless FIGWAY_INTROSPECTION=true.
 */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      // Every introspection type is reached through these two fields: one error per entry point.
      if (node.name.value !== '__schema' && node.name.value !== '__type') return;
      context.reportError(
        new GraphQLError(
          `Introspection is off: "${node.name.value}" is refused. Set FIGWAY_INTROSPECTION=true to allow it.`,
          { nodes: node, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
        ),
      );
    },
  };
}

/** graphql-ws's `onSubscribe` as figway prepares operations: execution arguments, or the errors that refuse it. */
export type PrepareWsOperation = (
  ctx: unknown,
  id: string,
  payload: SubscribePayload,
) => ExecutionArgs | readonly GraphQLError[];

/**
 * Wraps graphql-ws's `onSubscribe` so that an operation it accepts is still refused
 * when it introspects, as Apollo's validation refuses it over HTTP.
 */
export function refuseWsIntrospection(
  prepare: PrepareWsOperation,
  schema: GraphQLSchema,
): PrepareWsOperation {
  return (ctx, id, payload) => {
    const prepared = prepare(ctx, id, payload);
    if (!('document' in prepared)) return prepared;
    const errors = validate(schema, prepared.document, [noIntrospectionRule]);
    return errors.length > 0 ? errors : prepared;
  };
}
