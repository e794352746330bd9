import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testEngines } from '../../harness/databases.ts';
import {
  errorCodes,
  newestSchemaLabel,
  startTestGateway,
  type TestGateway,
} from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

/** A store whose commitment-type listing throws an unexpected error with internals in its message. */
function leakyStore(store: ConnectStore): ConnectStore {
  return {
    ...store,
    listCommitmentTypes: async () => {
      throw new Error('connection to 10.0.0.7 failed: password authentication failed for user "legacy_rw"');
    },
  };
}

function wsQuery(gateway: TestGateway, query: string, authorization?: string) {
  const client = createClient({
    url: gateway.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
  });
  return new Promise<unknown>((resolve, reject) => {
    let result: unknown;
    client.subscribe(
      { query },
      {
        next: (value) => {
          result = value;
        },
        error: reject,
        complete: () => resolve(result),
      },
    );
  }).finally(() => client.dispose());
}

describe('a running gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, { wrapStore: leakyStore });
  });
  afterAll(() => gateway.close());

  it('reports each backend on /healthz, by name to an admin', async () => {
    const response = await fetch(gateway.gateway.url.replace('/graphql', '/healthz'), {
      headers: { authorization: `Bearer ${await gateway.tokenFor('admin')}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      schemaVersion: await newestSchemaLabel(),
      backends: { legacy: { status: 'up', name: expect.stringContaining('supabase/postgres') } },
    });
  });

  it('answers queries over graphql-ws on the same port and path, as the token’s user', async () => {
    const result = await wsQuery(gateway, '{ me { username } }', `Bearer ${await gateway.tokenFor('dave')}`);
    expect(result).toEqual({ data: { me: { username: 'dave' } } });
  });

  it('closes a graphql-ws connection that presents a bad token', async () => {
    await expect(wsQuery(gateway, '{ me { username } }', 'Bearer forged')).rejects.toMatchObject({
      code: 4403,
    });
  });

  it('masks unexpected errors outside development', async () => {
    const response = await gateway.query('{ commitmentTypes { name } }', { as: 'alice' });
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(response.body)).not.toMatch(/password|10\.0\.0\.7|legacy_rw/);
  });

  it('answers GET queries and refuses other methods with BAD_REQUEST', async () => {
    const get = await fetch(`${gateway.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toMatchObject({ data: { __typename: 'Query' } });
    const put = await fetch(gateway.gateway.url, { method: 'PUT' });
    expect(put.status).toBe(400);
  });
});

describe('a gateway in development mode', () => {
  it('shows the unexpected error to the developer', async () => {
    const gateway = await startTestGateway(pglite, { wrapStore: leakyStore, development: true });
    try {
      const response = await gateway.query('{ commitmentTypes { name } }', { as: 'alice' });
      expect(response.body.errors?.[0]?.message).toMatch(/password authentication failed/);
    } finally {
      await gateway.close();
    }
  });
});

describe('a gateway whose legacy database is down', () => {
  it('answers BACKEND_UNAVAILABLE and reports itself degraded', async () => {
    const gateway = await startTestGateway(pglite);
    try {
      const token = await gateway.tokenFor('alice');
      await gateway.db.close();
      const response = await gateway.query('{ commitments { edges { node { id } } } }', { token });
      expect(errorCodes(response)).toEqual(['BACKEND_UNAVAILABLE']);
      const health = await fetch(gateway.gateway.url.replace('/graphql', '/healthz'));
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'degraded',
        backends: { legacy: { status: 'down' } },
      });
    } finally {
      await gateway.close();
    }
  });
});
