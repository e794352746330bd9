import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import { FigwayError } from '../errors.ts';
import { sendAdminError } from './adminResponses.ts';
import { isClientDisconnect } from './clientDisconnect.ts';
import { SigningKeysUnavailableError } from './signingKeysUnavailableError.ts';

/** Writes `body` as JSON with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/**
 * Answers a request whose route threw: a client that hung up is routine (a debug line:
 * 300 of them must not make 300 error stack traces); a catalogue error an admin route
 * left to the gateway (the signing keys unavailable) is answered as admin routes answer,
 * `{ error: { code, message } }` (503 for BACKEND_UNAVAILABLE), logged at debug (the
 * bearer verifier logs the outage itself, rate limited);
 * anything else is logged and answered 500, or its answer ended when it had begun.
 */
export function answerFailedRequest(
  error: unknown,
  request: IncomingMessage,
  response: ServerResponse,
  logger: Logger,
) {
  if (isClientDisconnect(error, request, response)) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.debug({ url: request.url, reason }, 'client disconnected before its answer was sent');
    return;
  }
  if (error instanceof FigwayError) {
    // A JWKS outage is logged by the bearer verifier, rate limited; here only at debug.
    const level = error instanceof SigningKeysUnavailableError ? 'debug' : 'error';
    logger[level]({ err: error.cause ?? error, code: error.code, url: request.url }, error.message);
    return sendAdminError(response, error);
  }
  logger.error({ err: error }, 'request failed');
  if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error.' }] });
  else response.end();
}
