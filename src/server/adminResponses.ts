import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Viewer } from '../backends/viewer.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { type BearerVerifier, SigningKeysUnavailableError } from './verifyBearer.ts';

/**
 * Writes `body` as a JSON answer with `status`, and `headers` besides the content type
 * (e.g. `cache-control`); the admin routes answer the CLI and the admin pages this way.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

/** The HTTP status an admin route answers a refusal with: 401, 403, 404, 503 for a backend, otherwise 400. */
export function adminStatusOf(error: FigwayError): number {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BACKEND_UNAVAILABLE':
      return 503;
    default:
      return 400;
  }
}

/**
 * True for the catalogue errors an admin route answers itself with {@link sendAdminError}.
 * The signing keys being unavailable is no refusal of the request but an outage: the
 * route rethrows it, and the gateway logs it with its cause before answering it (503).
 */
export function isAdminRefusal(error: unknown): error is FigwayError {
  return error instanceof FigwayError && !(error instanceof SigningKeysUnavailableError);
}

/**
 * Answers a refused admin request with `{ error: { code, message } }` and `headers` as
 * {@link sendJson} does. When a streamed answer has already begun (its 200 is sent), the
 * error becomes its last JSON line instead.
 */
export function sendAdminError(
  response: ServerResponse,
  error: FigwayError,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = { error: { code: error.code, message: error.message } };
  if (response.headersSent) response.end(`${JSON.stringify(body)}\n`);
  else sendJson(response, adminStatusOf(error), body, headers);
}

/** The caller of an admin route; rejects with FORBIDDEN unless the bearer is a service_role token. */
export async function requireService(verify: BearerVerifier, request: IncomingMessage): Promise<Viewer> {
  const viewer = await verify(request.headers.authorization);
  if (viewer.kind !== 'service')
    throw new FigwayError(ErrorCode.FORBIDDEN, 'Admin routes need a service_role token.');
  return viewer;
}
