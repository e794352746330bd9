import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { useServer } from 'graphql-ws/use/ws';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

// The baseline of the subscriptions benchmark, one instance per process: a bare
// graphql-ws server (graphql-ws over ws, a schema with one subscription field) that
// fans events out through Redis pub/sub as graphql-redis-subscriptions does: a
// publish goes to Redis only, and every instance (the publisher's too) hears it there
// and yields it to its matching subscriptions. No authorization, no payload
// resolution: the event is the payload. Started by the benchmark with REDIS_URL and
// BENCH_CHANNEL; POST /publish {id, status} publishes a change and answers its time.

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`the baseline server needs ${name}`);
  return value;
}

const redisUrl = required('REDIS_URL');
const channel = required('BENCH_CHANNEL');

interface Change {
  id: string;
  status: string;
  updatedAt: string;
}

const changes = new EventEmitter();
// One listener per subscription, thousands per commitment.
changes.setMaxListeners(0);

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

// One subscription's changes as graphql-subscriptions' PubSubAsyncIterableIterator
// keeps them: values waiting for a pull, or pulls waiting for a value. (Node's
// events.on would do, but preallocates a 2,048-slot queue per subscription, which
// would swell the baseline's memory per subscriber.)
function changesOf(id: string): AsyncIterableIterator<Change, undefined> {
  const values: Change[] = [];
  const pulls: Array<(result: IteratorResult<Change, undefined>) => void> = [];
  let running = true;
  const listener = (change: Change) => {
    const pull = pulls.shift();
    if (pull === undefined) values.push(change);
    else pull({ value: change, done: false });
  };
  const stop = () => {
    if (!running) return;
    running = false;
    changes.off(id, listener);
    for (const pull of pulls.splice(0)) pull(DONE);
    values.length = 0;
  };
  changes.on(id, listener);
  return {
    next() {
      if (!running) return Promise.resolve(DONE);
      const value = values.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      return new Promise((resolve) => pulls.push(resolve));
    },
    return() {
      stop();
      return Promise.resolve(DONE);
    },
    throw(error: unknown) {
      stop();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const schema = makeExecutableSchema({
  typeDefs: `
    type Commitment { id: ID! status: String! updatedAt: String! }
    type Query { ok: Boolean }
    type Subscription { commitmentChanged(id: ID!): Commitment! }
  `,
  resolvers: {
    Subscription: {
      commitmentChanged: {
        subscribe: (_root: unknown, args: { id: string }) => changesOf(args.id),
        resolve: (change: Change) => change,
      },
    },
  },
});

const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
subscriber.on('message', (_channel: string, text: string) => {
  const change = JSON.parse(text) as Change;
  changes.emit(change.id, change);
});
await subscriber.subscribe(channel);

function readJson(request: IncomingMessage): Promise<{ id?: unknown; status?: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

async function publish(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { id, status } = await readJson(request);
  const at = Date.now();
  const change: Change = { id: String(id), status: String(status), updatedAt: new Date(at).toISOString() };
  await publisher.publish(channel, JSON.stringify(change));
  response.end(JSON.stringify({ at }));
}

function stats(response: ServerResponse): void {
  const active = changes.eventNames().reduce((sum, name) => sum + changes.listenerCount(name), 0);
  response.end(JSON.stringify({ active }));
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/publish') {
    publish(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  } else if (request.url === '/stats') stats(response);
  else {
    response.statusCode = 404;
    response.end();
  }
});
const wsServer = new WebSocketServer({ server, path: '/graphql' });
const cleanup = useServer({ schema }, wsServer);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${port}/graphql` })}\n`);
});

process.once('SIGTERM', () => {
  void Promise.resolve(cleanup.dispose())
    .then(() => Promise.all([publisher.quit(), subscriber.quit()]))
    .finally(() => server.close(() => process.exit(0)));
});
