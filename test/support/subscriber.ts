import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from './eventually.ts';
import { wsUrlOf } from './wsClient.ts';

/** What one subscription received: its results in order, and how it ended. */
export interface Subscriber {
  results: Array<{
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  /** Set when the server completed the subscription. */
  completed: boolean;
  /** Set when the socket closed with this event, or the subscription failed. */
  error: unknown;
  /** The socket closed with this code and reason, if it did. */
  closed: { code: number; reason: string } | null;
  /** Resolves once the server acknowledged the connection. */
  connected: Promise<void>;
  /** Waits until `count` results have arrived, or fails after `ms`. */
  received(count: number, ms?: number): Promise<Subscriber['results']>;
  client: Client;
  close(): Promise<void>;
}

/**
 * Subscribes over a real graphql-ws client (the token in `connectionParams.authorization`)
 * and collects every result.
 */
export function subscribe(
  httpUrl: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown> } = {},
): Subscriber {
  const client = createClient({
    url: wsUrlOf(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
  });
  const subscriber: Subscriber = {
    results: [],
    completed: false,
    error: null,
    closed: null,
    connected: new Promise<void>((resolve) => client.on('connected', () => resolve())),
    client,
    async received(count, ms = 15_000) {
      await eventually(
        async () => subscriber.results.length,
        (length) => length >= count || subscriber.closed !== null,
        ms,
      );
      if (subscriber.results.length < count)
        throw new Error(`closed before ${count} results: ${JSON.stringify(subscriber.closed)}`);
      return subscriber.results;
    },
    close: async () => {
      await client.dispose();
    },
  };
  client.on('closed', (event) => {
    const { code, reason } = event as { code?: number; reason?: string };
    subscriber.closed = { code: code ?? -1, reason: reason ?? '' };
  });
  client.subscribe(
    { query, ...(options.variables === undefined ? {} : { variables: options.variables }) },
    {
      next: (value) => void subscriber.results.push(value as Subscriber['results'][number]),
      error: (error) => {
        subscriber.error = error;
      },
      complete: () => {
        subscriber.completed = true;
      },
    },
  );
  return subscriber;
}

/** Closes every subscriber in `open` (emptying it), then waits until the hub holds no subscription. */
export async function closeSubscribers(open: Subscriber[], active: () => number | undefined): Promise<void> {
  await Promise.all(open.splice(0).map((subscriber) => subscriber.close()));
  await eventually(
    async () => active(),
    (count) => count === 0,
    5_000,
  );
}
