import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** What a graphql-ws server sent for one operation: its results, or why the socket closed. */
export type WsOutcome =
  | { kind: 'completed'; results: unknown[] }
  | { kind: 'failed'; error: unknown }
  | { kind: 'closed'; code: number; reason: string };

/** The graphql-ws URL of a gateway whose HTTP GraphQL URL is `httpUrl`. */
export function wsUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/**
 * Runs one operation over a real graphql-ws client (authorization in `connectionParams`)
 * and resolves with every result once it completes, or with the close event or error
 * that ended it.
 */
export function wsOperation(
  httpUrl: string,
  query: string,
  authorization?: string,
  variables?: Record<string, unknown>,
): Promise<WsOutcome> {
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
  });
  const results: unknown[] = [];
  return new Promise<WsOutcome>((resolve) => {
    client.subscribe(
      { query, ...(variables === undefined ? {} : { variables }) },
      {
        next: (value) => void results.push(value),
        error: (error) =>
          resolve(
            isCloseEvent(error)
              ? { kind: 'closed', code: error.code, reason: error.reason }
              : { kind: 'failed', error },
          ),
        complete: () => resolve({ kind: 'completed', results }),
      },
    );
  }).finally(() => client.dispose());
}

/**
 * Opens a graphql-ws connection eagerly and resolves with the close event once the
 * server closes it, or rejects when `deadlineMs` passes first.
 */
export function wsConnectionClosed(
  httpUrl: string,
  authorization: string,
  deadlineMs: number,
): { connected: Promise<void>; closed: Promise<{ code: number; reason: string }> } {
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
  });
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${deadlineMs} ms`)), deadlineMs);
    client.on('closed', (event) => {
      clearTimeout(timer);
      resolve(isCloseEvent(event) ? { code: event.code, reason: event.reason } : { code: -1, reason: '' });
    });
  }).finally(() => client.dispose());
  return { connected, closed };
}
