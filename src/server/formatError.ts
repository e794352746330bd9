import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../core/logger.ts';
import { FigwayError, isErrorCode } from '../errors.ts';
import { formatRefusal, queryRefusalIn } from './refuseQuery.ts';
import { SigningKeysUnavailableError } from './signingKeysUnavailableError.ts';

// Codes Apollo Server itself puts on errors about the request, safe to show.
const APOLLO_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

// Apollo refuses a few requests (a persisted query whose hash does not match its
// text, an unsupported persisted-query version) with a plain GraphQLError that has
// HTTP 400 and no code; without this they were masked as INTERNAL_SERVER_ERROR.
function isApolloRequestRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const http = error.extensions.http as { status?: unknown } | undefined;
  return http?.status === 400;
}

/**
 * Builds Apollo's `formatError`: errors from the catalogue and Apollo's request
 * errors pass through; anything unexpected is logged and, outside development,
 * masked as INTERNAL_SERVER_ERROR so no internals reach the client.
 */
export function createFormatError(options: { development: boolean; logger: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // Apollo files query-limit refusals under GRAPHQL_PARSE_FAILED or _VALIDATION_FAILED.
    const refusal = queryRefusalIn(error);
    if (refusal !== null) return formatRefusal(refusal);
    if (isApolloRequestRefusal(original)) return { ...formatted, extensions: { code: 'BAD_REQUEST' } };
    const code = formatted.extensions?.code;
    // A JWKS outage is logged by the bearer verifier, rate limited: a line per request flooded the log.
    if (original instanceof SigningKeysUnavailableError) return formatted;
    if (original instanceof FigwayError) {
      // A catalogue error that wraps an unexpected one (WRITE_COMMITTED over a read that
      // threw) shows the client its own message; the wrapped detail goes to the log.
      if (original.cause !== undefined && !(original.cause instanceof FigwayError)) {
        options.logger.error(
          { err: original.cause, code: original.code, path: formatted.path },
          original.message,
        );
      }
      return formatted;
    }
    if (APOLLO_CODES.has(String(code))) return formatted;
    if (isErrorCode(code) && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    options.logger.error({ err: original, path: formatted.path }, 'unexpected error');
    if (options.development) return formatted;
    return {
      message: 'Internal server error.',
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
