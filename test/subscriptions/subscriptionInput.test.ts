import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testEngines } from '../../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { type CapturedLogs, captureLogs } from '../support/capturedLogs.ts';
import { eventually } from '../support/eventually.ts';
import { wsUrlOf } from '../support/wsClient.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const ALICE_ACTIVE = 'c0000000-0000-4000-8000-000000000015'; // alice's, carol PARTICIPANT; ACTIVE
const CHANGED = 'subscription ($id: ID!) { commitmentChanged(id: $id) { id title } }';
// Ids whose access check fails, as a database that breaks mid-check does.
const BREAKS = 'c0000000-0000-4000-8000-00000000dead';
const UNAVAILABLE = 'c0000000-0000-4000-8000-00000000d0a0';
const INTERNALS = 'connection to 10.0.0.7 failed: password authentication failed for user "legacy_rw"';

function failingChecks(store: ConnectStore): ConnectStore {
  return {
    ...store,
    async commitmentsByIds(viewer, ids) {
      if (ids.includes(BREAKS)) throw new Error(INTERNALS);
      if (ids.includes(UNAVAILABLE))
        throw new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, 'The legacy backend failed to answer.');
      return store.commitmentsByIds(viewer, ids);
    },
  };
}

type Errors = Array<{ message: string; extensions?: { code?: unknown } }>;
type Outcome =
  | { kind: 'completed'; results: Array<{ data?: unknown; errors?: Errors }> }
  | { kind: 'failed'; errors: Errors };

/** Runs one operation on `client`'s socket and resolves with how it ended. */
function operation(client: Client, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  const results: Array<{ data?: unknown; errors?: Errors }> = [];
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query, ...(variables === undefined ? {} : { variables }) },
      {
        next: (value) => void results.push(value as { data?: unknown; errors?: Errors }),
        // An array of errors refuses the operation; anything else (a close event) ended the socket.
        error: (error) => (Array.isArray(error) ? resolve({ kind: 'failed', errors: error }) : reject(error)),
        complete: () => resolve({ kind: 'completed', results }),
      },
    );
  });
}

function codesOf(outcome: Outcome): unknown[] {
  const errors = outcome.kind === 'failed' ? outcome.errors : outcome.results.flatMap((r) => r.errors ?? []);
  return errors.map((error) => error.extensions?.code);
}

describe('bad subscriptions on a socket', () => {
  let gateway: TestGateway;
  let logs: CapturedLogs;
  let client: Client;
  const closes: unknown[] = [];
  const told: unknown[] = [];

  beforeAll(async () => {
    logs = captureLogs('warn');
    gateway = await startTestGateway(pglite, {
      targets: true,
      sync: { pollMs: 100 },
      subscriptions: {},
      wrapStore: failingChecks,
      logger: logs.logger,
    });
    client = createClient({
      url: wsUrlOf(gateway.gateway.url),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await gateway.tokenFor('alice')}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => {},
    });
    client.on('closed', (event) => void closes.push(event));
    // A subscription the bad ones must leave alone.
    client.subscribe(
      { query: CHANGED, variables: { id: ALICE_ACTIVE } },
      {
        next: (value) => void told.push(value),
        error: (error) => void closes.push(error),
        complete: () => {},
      },
    );
    await eventually(
      async () => gateway.subscriptions?.hub.active,
      (active) => active === 1,
      10_000,
    );
  });
  afterAll(async () => {
    await client?.dispose();
    await gateway?.close();
  });

  it('answers an argument that ends up null with BAD_USER_INPUT, and the socket serves on', async () => {
    // Valid (the variable has a default), but the explicit null reaches a non-null argument.
    const nulled = await operation(
      client,
      `subscription ($id: ID = "${ALICE_ACTIVE}") { commitmentChanged(id: $id) { id } }`,
      { id: null },
    );
    expect(codesOf(nulled)).toEqual(['BAD_USER_INPUT']);
    for (const variables of [{}, { id: null }, { id: { not: 'an id' } }]) {
      const refused = await operation(client, CHANGED, variables);
      expect(codesOf(refused), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
    const me = await operation(client, '{ me { username } }');
    expect(me).toEqual({ kind: 'completed', results: [{ data: { me: { username: 'alice' } } }] });
    expect(closes).toEqual([]);
    expect(gateway.subscriptions?.hub.active).toBe(1);
  });

  it("answers a check that fails with that operation's error, logged, and the socket serves on", async () => {
    const broken = await operation(client, CHANGED, { id: BREAKS });
    expect(codesOf(broken)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(broken)).not.toMatch(/legacy_rw/);
    await logs.waitFor((line) => JSON.stringify(line.err ?? '').includes('legacy_rw'));
    const unavailable = await operation(client, CHANGED, { id: UNAVAILABLE });
    expect(codesOf(unavailable)).toEqual(['BACKEND_UNAVAILABLE']);
    await logs.waitFor((line) => line.code === 'BACKEND_UNAVAILABLE');

    const me = await operation(client, '{ me { username } }');
    expect(me).toEqual({ kind: 'completed', results: [{ data: { me: { username: 'alice' } } }] });
    // The subscription opened first still hears its commitment's changes.
    await gateway.db.query('update public.commitments set title = $2 where id = $1', [
      ALICE_ACTIVE,
      'Told after the bad ones',
    ]);
    await eventually(
      async () => told,
      (events) => JSON.stringify(events).includes('Told after the bad ones'),
      15_000,
    );
    expect(closes).toEqual([]);
  });
});
