import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import { isClientDisconnect } from './clientDisconnect.ts';

/** Writes `body` as JSON with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/**
 * Answers a request whose route threw: a client that hung up is routine (a debug line:
 * 300 of them must not make 300 error stack traces); anything else is logged and
 * answered 500, or its answer ended when it had begun.
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
  logger.error({ err: error }, 'request failed');
  if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error.' }] });
  else response.end();
}
