import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ErrorCode, FigwayError } from '../errors.ts';

/** What a subscription sent over HTTP is answered with. */
export const HTTP_SUBSCRIPTION_REFUSED =
  'Only queries and mutations are served over HTTP: subscriptions are served over WebSocket (graphql-ws), at the same URL.';

/**
 * An Apollo plugin that refuses a subscription operation sent over HTTP (POST or GET)
 * with 400 BAD_REQUEST once the operation is known, before anything runs: over HTTP it
 * would be executed as a query, whose subscription resolvers have no event to answer.
 */
export function refuseHttpSubscriptions(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          // Apollo answers an error thrown here as the response, with its HTTP status.
          if (operation?.operation === 'subscription')
            throw new FigwayError(ErrorCode.BAD_REQUEST, HTTP_SUBSCRIPTION_REFUSED);
        },
      };
    },
  };
}
