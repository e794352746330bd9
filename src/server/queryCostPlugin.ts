import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import type { QueryLimits } from '../config.ts';
import { estimateQueryCost } from './estimateQueryCost.ts';

/**
 * An Apollo plugin that refuses, once the operation is known and before it runs, an
 * operation whose estimated cost is over `limits.maxCost` (QUERY_TOO_COMPLEX, HTTP 400).
 * It runs here rather than as a validation rule because the cost depends on the
 * variables (`first: $first`), which validation does not see. `estimator` prices each
 * field (@default the public schema's, see {@link estimateQueryCost}).
 */
export function queryCostPlugin(
  limits: QueryLimits,
  estimator?: ComplexityEstimator,
): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const refusal = estimateQueryCost(
            { schema, document, variables: request.variables, operationName: request.operationName },
            limits,
            estimator,
          );
          // Apollo answers an error thrown here as the response, with its HTTP status.
          if (refusal !== null) throw refusal;
        },
      };
    },
  };
}
