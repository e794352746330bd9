import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from '../core/logger.ts';

/** Apollo's `formatError` signature: the error as Apollo would send it, and the error itself. */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** graphql-ws's `onNext` and `onError`, formatting what leaves the process over a socket. */
export interface WsFormatters {
  /** Formats each error of an execution result (graphql-ws sends the return value). */
  onNext(result: ExecutionResult): FormattedExecutionResult;
  /** Formats the errors that refuse an operation before it runs (validation). */
  onError(errors: readonly GraphQLError[]): GraphQLFormattedError[];
}

const MASKED: GraphQLFormattedError = {
  message: 'Internal server error.',
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
};

/**
 * Gives graphql-ws the formatter Apollo uses over HTTP, so an error is shown or
 * masked the same way whatever the transport. Before formatting, each error is
 * shaped as Apollo shapes it: a missing `extensions.code` becomes
 * INTERNAL_SERVER_ERROR for execution errors (GRAPHQL_VALIDATION_FAILED for
 * graphql-ws's own validation errors), and `extensions.http` is dropped. A formatter
 * that throws is logged and its error masked.
 */
export function createWsFormatters(formatError: FormatError, logger: Logger): WsFormatters {
  const format = (error: GraphQLError, fallbackCode: string): GraphQLFormattedError => {
    const { http: _http, ...extensions } = error.extensions;
    const shaped = {
      ...error.toJSON(),
      extensions: { ...extensions, code: extensions.code ?? fallbackCode },
    };
    try {
      return formatError(shaped, error);
    } catch (formatting) {
      logger.error({ err: formatting, original: error }, 'formatting an error for graphql-ws failed');
      return MASKED;
    }
  };
  return {
    onNext(result) {
      if (result.errors === undefined) return result;
      return { ...result, errors: result.errors.map((error) => format(error, 'INTERNAL_SERVER_ERROR')) };
    },
    onError(errors) {
      // graphql-ws reports validation errors here; they carry no originalError and no code.
      return errors.map((error) =>
        format(error, error.originalError == null ? 'GRAPHQL_VALIDATION_FAILED' : 'INTERNAL_SERVER_ERROR'),
      );
    },
  };
}
