import type { IncomingMessage } from 'node:http';
import { ErrorCode, FigwayError } from '../errors.ts';
import { ClientDisconnectedError } from './clientDisconnect.ts';

/**
 * Reads a request body up to `limit` bytes. A larger body is refused with
 * PAYLOAD_TOO_LARGE as soon as the limit is crossed, without buffering the rest;
 * a client that hangs up while sending it throws {@link ClientDisconnectedError}.
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    // Node reports a client that hung up mid-body as ECONNRESET "aborted".
    if (error instanceof FigwayError || !request.destroyed) throw error;
    throw new ClientDisconnectedError('The client hung up while sending its request.', { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(limit: number): FigwayError {
  return new FigwayError(ErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${limit} bytes.`);
}

/** Parses a JSON request body; anything that is not JSON is BAD_REQUEST. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new FigwayError(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.');
  }
}
