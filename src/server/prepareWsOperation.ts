import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { QueryLimits } from '../config.ts';
import { estimateQueryCost } from './estimateQueryCost.ts';
import { queryLimitRules } from './queryLimitRules.ts';
import { queryRefusalIn } from './refuseQuery.ts';

/** What an operation over graphql-ws is checked against. */
export interface WsOperationOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  /** Outside development, "Did you mean ...?" suggestions are cut from validation errors. */
  development: boolean;
}

// The same cut as Apollo's hideSchemaDetailsFromClientErrors (its DisableSuggestions
// plugin): suggestions let anyone map a schema whose introspection is off.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

// Parse and validation errors carry the codes Apollo gives them over HTTP.
function withCode(error: GraphQLError, code: string, development: boolean): GraphQLError {
  const message = development ? error.message : error.message.replace(SUGGESTION, '');
  return new GraphQLError(message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    originalError: error,
    extensions: { ...error.extensions, code },
  });
}

function parseOperation(query: string, maxTokens: number): DocumentNode | GraphQLError {
  try {
    return parse(query, { maxTokens });
  } catch (error) {
    // Only a syntax error is the client's to see; anything else is a fault to report.
    if (error instanceof GraphQLError)
      return queryRefusalIn(error) ?? withCode(error, 'GRAPHQL_PARSE_FAILED', true);
    throw error;
  }
}

/**
 * The variables' coercion errors, as BAD_USER_INPUT with graphql's own messages, as Apollo
 * answers them over HTTP: a variable of the wrong type, a required one missing or null.
 * None when the operation cannot be identified (graphql-ws answers that itself).
 */
function variableErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  payload: SubscribePayload,
): GraphQLError[] {
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (operation == null) return [];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...payload.variables });
  return (coerced.errors ?? []).map((error) => withCode(error, 'BAD_USER_INPUT', true));
}

/**
 * Builds graphql-ws's `onSubscribe`: parses the operation (with the token limit),
 * validates it with graphql's rules and the query-limit rules, checks its variables
 * (BAD_USER_INPUT) and estimates its cost, as Apollo does for HTTP, so the limits and
 * the answers hold on both transports. Returns the errors,
 * which graphql-ws sends as the operation's error message, or the execution arguments;
 * graphql-ws then adds the context, and runs nothing that was refused.
 */
export function prepareWsOperation(options: WsOperationOptions) {
  const { schema, limits, development } = options;
  const rules = [...specifiedRules, ...queryLimitRules(limits)];
  return (_ctx: unknown, _id: string, payload: SubscribePayload): ExecutionArgs | GraphQLError[] => {
    const document = parseOperation(payload.query, limits.maxTokens);
    if (document instanceof GraphQLError) return [document];
    const errors = validate(schema, document, rules);
    if (errors.length > 0) {
      return errors.map(
        (error) => queryRefusalIn(error) ?? withCode(error, 'GRAPHQL_VALIDATION_FAILED', development),
      );
    }
    const badVariables = variableErrors(schema, document, payload);
    if (badVariables.length > 0) return badVariables;
    const { variables, operationName } = payload;
    const refusal = estimateQueryCost({ schema, document, variables, operationName }, limits);
    if (refusal !== null) return [refusal];
    return {
      schema,
      document,
      variableValues: variables ?? null,
      ...(operationName == null ? {} : { operationName }),
    };
  };
}
