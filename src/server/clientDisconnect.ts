import type { IncomingMessage, ServerResponse } from 'node:http';

/** The client hung up before its request was read or its answer sent; there is nobody left to answer. */
export class ClientDisconnectedError extends Error {
  override name = 'ClientDisconnectedError';
}

// What Node's I/O with a client that hung up fails with: a reset while reading the
// body ("aborted"), a broken pipe or a destroyed stream while writing the answer.
const DISCONNECT_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
]);

/**
 * True when `error` is the client hanging up mid-request: a {@link ClientDisconnectedError},
 * or an I/O error of the kind a closed connection causes on a request or response that
 * is already destroyed. Such requests are routine (a closed tab, a client's own
 * timeout) and worth a debug line, not an error with a stack trace.
 */
export function isClientDisconnect(
  error: unknown,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  if (error instanceof ClientDisconnectedError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const gone = request.destroyed || response.destroyed || request.socket.destroyed;
  return gone && typeof code === 'string' && DISCONNECT_CODES.has(code);
}
