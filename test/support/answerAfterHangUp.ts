import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request handler that hears each request whole and answers only once the client hung up. */
export interface LateAnswerer {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** The request bodies heard so far, in order. */
  bodies: string[];
  /** Resolves once the first request has been read whole. */
  received: Promise<void>;
}

/**
 * Reads every request whole, as a backend does before it runs a write, and answers
 * `answer` only once the client has hung up: after its budget, as a slow commit would
 * (neither the target services nor PostgREST cancel a write on a hang-up).
 */
export function answerAfterHangUp(answer: string): LateAnswerer {
  const bodies: string[] = [];
  let heard = () => {};
  const received = new Promise<void>((resolve) => {
    heard = resolve;
  });
  return {
    bodies,
    received,
    handle(request, response) {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        bodies.push(body);
        heard();
        request.socket.once('close', () => response.end(answer));
      });
    },
  };
}
