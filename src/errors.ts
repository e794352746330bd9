import { GraphQLError } from 'graphql';

/** The catalogue of `extensions.code` values figway puts on errors it raises. */
export const ErrorCode = {
  /** The bearer token is missing where required, malformed, expired or wrongly signed. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller is known but may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** The id names nothing the caller can see. */
  NOT_FOUND: 'NOT_FOUND',
  /** An argument is well typed but not acceptable (too long, not a URL, ...). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The requested status change makes no sense from the current status. */
  INVALID_STATUS_TRANSITION: 'INVALID_STATUS_TRANSITION',
  /** Someone else changed the same row first, or the row already exists; retrying may succeed. */
  CONFLICT: 'CONFLICT',
  /** The HTTP request is not a GraphQL request figway can read (bad JSON, wrong method). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request body is larger than FIGWAY_MAX_BODY_BYTES. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The operation is over a query limit (depth, aliases, root fields, directives, tokens or cost); it was not run. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /**
   * A backend is down, slow or refused the connection, or a write was refused because the
   * gateway does not know its unit's stage; nothing was changed, unless
   * `extensions.outcome` is `unknown` (a write sent and not answered: it may have been made).
   */
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  /**
   * The request ran past FIGWAY_REQUEST_TIMEOUT_MS; database work not yet committed was
   * cancelled, unless `extensions.outcome` is `unknown`: a write sent over HTTP (a target
   * service, PostgREST), which the other side does not cancel, may have been made.
   */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /**
   * A write was saved, but part of the mutation's answer could not be read afterwards:
   * re-read the data, do not repeat the write. `extensions.cause` holds the read's code.
   */
  WRITE_COMMITTED: 'WRITE_COMMITTED',
  /** Anything unexpected; its details are masked outside development. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** One code of the {@link ErrorCode} catalogue. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_TOO_COMPLEX: 400,
};

/** An error figway raises on purpose; it reaches the client with its code and message. */
export class FigwayError extends GraphQLError {
  readonly code: ErrorCode;

  /** `cause` is what went wrong underneath, kept for logs and never sent to the client. */
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    const status = HTTP_STATUS[code];
    super(message, {
      extensions: { ...details, code, ...(status === undefined ? {} : { http: { status } }) },
    });
    this.code = code;
    if (cause !== undefined) this.cause = cause;
  }
}

/** True when `code` is one of the catalogue's codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ErrorCode, code);
}
