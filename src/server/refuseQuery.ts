import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { QueryLimits } from '../config.ts';
import { ErrorCode, FigwayError } from '../errors.ts';

/** The setting that raises each query limit, named in every refusal. */
export const QUERY_LIMIT_SETTINGS: Readonly<Record<keyof QueryLimits, string>> = {
  maxDepth: 'FIGWAY_MAX_QUERY_DEPTH',
  maxAliases: 'FIGWAY_MAX_QUERY_ALIASES',
  maxRootFields: 'FIGWAY_MAX_QUERY_ROOT_FIELDS',
  maxDirectives: 'FIGWAY_MAX_QUERY_DIRECTIVES',
  maxTokens: 'FIGWAY_MAX_QUERY_TOKENS',
  maxCost: 'FIGWAY_MAX_QUERY_COST',
  assumedListSize: 'FIGWAY_QUERY_LIST_SIZE',
};

/** A limit an operation can be refused on (the assumed list size is a parameter of the cost, not a limit). */
export type QueryLimitName = Exclude<keyof QueryLimits, 'assumedListSize'>;

const MEASURES: Readonly<Record<QueryLimitName, string>> = {
  maxDepth: 'depth',
  maxAliases: 'number of aliases',
  maxRootFields: 'number of root fields',
  maxDirectives: 'number of directives',
  maxTokens: 'number of tokens',
  maxCost: 'estimated cost',
};

/**
 * The refusal of an operation over `limit`: QUERY_TOO_COMPLEX (HTTP 400), with a
 * message naming the limit, the value found and the setting that raises it. `found`
 * is a number, or null when counting stopped at the limit (the token count).
 */
export function refuseQuery(limit: QueryLimitName, max: number, found: number | null): FigwayError {
  const setting = QUERY_LIMIT_SETTINGS[limit];
  const over = found === null ? `more than the limit of ${max}` : `${found}, over the limit of ${max}`;
  return new FigwayError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `The operation was not run: its ${MEASURES[limit]} is ${over}. Simplify it, or raise ${setting}.`,
    { limit, max, found, setting },
  );
}

// graphql 16's parser aborts with "Document contains more that 1000 tokens" (sic).
const TOKEN_LIMIT = /Document contains more th[ae][nt] (\d+) tokens/;

/**
 * The query-limit refusal an error from parsing or validating an operation carries,
 * or null: a limit rule's refusal (which Apollo wraps in a GRAPHQL_VALIDATION_FAILED
 * error), or graphql's parser aborting at the token limit (a syntax error to Apollo).
 */
export function queryRefusalIn(error: unknown): FigwayError | null {
  if (!(error instanceof GraphQLError)) return null;
  const refusal = error instanceof FigwayError ? error : error.originalError;
  if (refusal instanceof FigwayError && refusal.code === ErrorCode.QUERY_TOO_COMPLEX) return refusal;
  const tokens = TOKEN_LIMIT.exec(error.message)?.[1];
  return tokens === undefined ? null : refuseQuery('maxTokens', Number(tokens), null);
}

/** A refusal as the client sees it: its message and extensions, without the HTTP status. */
export function formatRefusal(refusal: FigwayError): GraphQLFormattedError {
  const { http: _http, ...extensions } = refusal.extensions;
  return { message: refusal.message, extensions };
}
