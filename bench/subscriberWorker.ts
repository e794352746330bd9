import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { SocketPlan, SubscriberAnswer, SubscriberCommand } from './driveSubscribers.ts';
import { answerRuns } from './driveWorker.ts';

// The subscribers of the subscriptions benchmark, in a worker thread so that reading
// events takes no time from the main thread's paced changes, and in no gateway's
// process. Each socket is one graphql-ws client carrying several subscriptions; an
// event's receipt time is taken as its message is handled.

interface Subscription {
  commitmentId: string;
  /** Receipt times (epoch ms) since the last take. */
  receipts: number[];
}

let clients: Client[] = [];
let subscriptions: Subscription[] = [];
let received = 0;
let errors = 0;
const errorSamples = new Set<string>();
let closing = false;

const now = () => performance.timeOrigin + performance.now();

function noteError(message: string): void {
  errors += 1;
  if (errorSamples.size < 5) errorSamples.add(message);
}

function answer(fields: Partial<SubscriberAnswer> = {}): SubscriberAnswer {
  return {
    latencies: new Float64Array(0),
    received,
    missing: 0,
    extra: 0,
    errors,
    errorSamples: [...errorSamples],
    ...fields,
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map(messageOf).join('; ');
  if (typeof error === 'object' && error !== null && 'code' in error)
    return `socket closed ${String(error.code)} ${String((error as { reason?: unknown }).reason ?? '')}`;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

// Opens one socket, subscribes to each of its commitments, and resolves once the server acknowledged it (or it closed).
function openSocket(url: string, query: string, plan: SocketPlan): Promise<void> {
  let acknowledged: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    acknowledged = resolve;
  });
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: plan.token === null ? {} : { authorization: `Bearer ${plan.token}` },
    retryAttempts: 0,
    on: {
      connected: () => acknowledged(),
      closed: (event) => {
        acknowledged();
        if (!closing) noteError(`socket closed: ${messageOf(event)}`);
      },
    },
  });
  clients.push(client);
  for (const commitmentId of plan.commitmentIds) {
    const subscription: Subscription = { commitmentId, receipts: [] };
    subscriptions.push(subscription);
    client.subscribe(
      { query, variables: { id: commitmentId } },
      {
        next: (result) => {
          if (result.errors !== undefined) noteError(`event with errors: ${messageOf(result.errors)}`);
          else {
            subscription.receipts.push(now());
            received += 1;
          }
        },
        error: (error) => noteError(`subscription failed: ${messageOf(error)}`),
        complete: () => {},
      },
    );
  }
  return connected;
}

function take(committed: Record<string, number[]>): SubscriberAnswer {
  const latencies: number[] = [];
  let missing = 0;
  let extra = 0;
  for (const subscription of subscriptions) {
    const commits = committed[subscription.commitmentId] ?? [];
    const { receipts } = subscription;
    const matched = Math.min(receipts.length, commits.length);
    for (let k = 0; k < matched; k++) latencies.push((receipts[k] ?? 0) - (commits[k] ?? 0));
    missing += commits.length - matched;
    extra += receipts.length - matched;
    subscription.receipts = [];
  }
  const taken = answer({ latencies: Float64Array.from(latencies), missing, extra });
  received = 0;
  return taken;
}

async function run(command: SubscriberCommand): Promise<SubscriberAnswer> {
  switch (command.kind) {
    case 'open':
      closing = false;
      await Promise.all(command.sockets.map((plan) => openSocket(command.url, command.query, plan)));
      return answer();
    case 'count':
      return answer();
    case 'take':
      return take(command.committed);
    case 'close': {
      closing = true;
      await Promise.all(clients.map((client) => client.dispose()));
      const closed = answer();
      clients = [];
      subscriptions = [];
      received = 0;
      errors = 0;
      errorSamples.clear();
      return closed;
    }
  }
}

answerRuns(run);
