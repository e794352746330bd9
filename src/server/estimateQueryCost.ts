import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isListType,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { QueryLimits } from '../config.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { refuseQuery } from './refuseQuery.ts';

/** What the cost of one operation is estimated from. */
export interface CostedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables: Readonly<Record<string, unknown>> | null | undefined;
  operationName: string | null | undefined;
}

/**
 * Each field costs 1 plus what it selects, times the number of items it may return:
 * its `first` argument (with its default, or the variable's value) when it has one;
 * for another list, the assumed list size; once only for the `edges` of a connection,
 * whose page size `first` already counted. Introspection is counted without
 * multiplying: graphql's MaxIntrospectionDepthRule bounds it.
 */
function listSizeEstimator(assumedListSize: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const own = 1 + childComplexity;
    if (type.name.startsWith('__') || field.name.startsWith('__')) return own;
    if (field.args.some((arg) => arg.name === 'first')) {
      const first: unknown = args.first;
      return own * (typeof first === 'number' ? Math.max(first, 1) : assumedListSize);
    }
    if (isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) {
      return own * assumedListSize;
    }
    return own;
  };
}

// graphql-query-complexity stops counting after `maxQueryNodes` selections (fragments
// spread into each other can expand a 1,000-token query to 2^100); it throws this then.
const TOO_MANY_NODES = /maximum allowed number of nodes/;

/**
 * Estimates an operation's cost with graphql-query-complexity and returns the
 * QUERY_TOO_COMPLEX refusal when it is over `limits.maxCost`, else null. Variables that
 * do not coerce give null: execution then refuses them with BAD_USER_INPUT before any
 * resolver runs, so nothing is spent on them either way. Variables that coerce but give
 * an argument a value it refuses (an explicit null, through a variable with a default,
 * for a non-null argument) are refused here with BAD_USER_INPUT (HTTP 400): graphql
 * throws reading the arguments, which was an unexpected error over HTTP and closed the
 * socket over graphql-ws. `estimator` prices each field (@default the public schema's:
 * `first`, else the assumed list size for lists).
 */
export function estimateQueryCost(
  operation: CostedOperation,
  limits: QueryLimits,
  estimator: ComplexityEstimator = listSizeEstimator(limits.assumedListSize),
): FigwayError | null {
  const { schema, document, variables, operationName } = operation;
  const definition = getOperationAST(document, operationName ?? undefined);
  if (definition == null) return null; // "Must provide operation name": refused by execution, before resolvers
  const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], { ...variables });
  if (coerced.errors !== undefined) return null;
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: { ...variables },
      ...(operationName == null ? {} : { operationName }),
      estimators: [estimator],
      // Each field costs at least 1: past maxCost selections the operation is over the limit.
      maxQueryNodes: limits.maxCost + 1,
    });
  } catch (error) {
    if (error instanceof GraphQLError && TOO_MANY_NODES.test(error.message)) {
      return refuseQuery('maxCost', limits.maxCost, null);
    }
    // graphql's own error reading an argument or directive of the operation with its variables.
    if (error instanceof GraphQLError) {
      return new FigwayError(ErrorCode.BAD_USER_INPUT, error.message, { http: { status: 400 } });
    }
    throw error;
  }
  return cost > limits.maxCost ? refuseQuery('maxCost', limits.maxCost, cost) : null;
}
