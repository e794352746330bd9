import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import { wsOperation } from '../support/wsClient.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const INTERNALS = 'connection to 10.0.0.7 failed: password authentication failed for user "legacy_rw"';
const LEAKS = /password|10\.0\.0\.7|legacy_rw/;
const TYPES = '{ commitmentTypes { name } }';

/** A store whose commitment-type listing fails the way a misconfigured legacy database does. */
function leakyStore(store: ConnectStore): ConnectStore {
  return {
    ...store,
    listCommitmentTypes: async () => {
      throw new Error(INTERNALS);
    },
  };
}

/** A logger that keeps every line it writes, so a test can see what the operator sees. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** The errors of the single result a graphql-ws operation completed with. */
function wsErrors(outcome: Awaited<ReturnType<typeof wsOperation>>) {
  if (outcome.kind !== 'completed') throw new Error(`operation did not complete: ${JSON.stringify(outcome)}`);
  const [result] = outcome.results as Array<{
    errors?: Array<{ message: string; extensions?: { code?: unknown } }>;
  }>;
  return result?.errors ?? [];
}

describe.each([
  { mode: 'production', development: false },
  { mode: 'development', development: true },
])('unexpected errors in $mode mode', ({ development }) => {
  let gateway: TestGateway;
  let lines: Array<Record<string, unknown>>;
  beforeAll(async () => {
    const recording = recordingLogger();
    lines = recording.lines;
    gateway = await startTestGateway(pglite, {
      wrapStore: leakyStore,
      development,
      logger: recording.logger,
    });
  });
  afterAll(() => gateway.close());

  const logged = () => lines.some((line) => JSON.stringify(line.err ?? '').includes('legacy_rw'));

  it(development ? 'shows the detail over HTTP' : 'masks the detail over HTTP and logs it', async () => {
    lines.length = 0;
    const response = await gateway.query(TYPES, { as: 'alice' });
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    if (development) expect(response.body.errors?.[0]?.message).toBe(INTERNALS);
    else expect(JSON.stringify(response.body)).not.toMatch(LEAKS);
    expect(logged()).toBe(true);
  });

  it(
    development ? 'shows the detail over graphql-ws' : 'masks the detail over graphql-ws and logs it',
    async () => {
      lines.length = 0;
      const outcome = await wsOperation(
        gateway.gateway.url,
        TYPES,
        `Bearer ${await gateway.tokenFor('alice')}`,
      );
      const errors = wsErrors(outcome);
      expect(errors.map((error) => error.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      if (development) expect(errors[0]?.message).toBe(INTERNALS);
      else {
        expect(errors[0]?.message).toBe('Internal server error.');
        expect(JSON.stringify(outcome)).not.toMatch(LEAKS);
      }
      expect(logged()).toBe(true);
    },
  );

  it('answers a query the schema refuses with GRAPHQL_VALIDATION_FAILED on both transports', async () => {
    const query = '{ commitmentTypes { nope } }';
    const http = await gateway.query(query, { as: 'alice' });
    expect(errorCodes(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const outcome = await wsOperation(
      gateway.gateway.url,
      query,
      `Bearer ${await gateway.tokenFor('alice')}`,
    );
    expect(outcome.kind).toBe('failed');
    const errors = (outcome as { error: Array<{ message: string; extensions?: { code?: unknown } }> }).error;
    expect(errors.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(errors[0]?.message).toMatch(/nope/);
  });

  it('refuses a subscription over HTTP with 400 BAD_REQUEST naming graphql-ws, running nothing', async () => {
    lines.length = 0;
    const subscription = 'subscription { myCommitmentActivity { kind } }';
    const post = await gateway.query(subscription, { as: 'alice' });
    expect(post.status).toBe(400);
    expect(errorCodes(post)).toEqual(['BAD_REQUEST']);
    expect(post.body.errors?.[0]?.message).toMatch(/subscriptions are served over WebSocket \(graphql-ws\)/);
    expect(post.body.data).toBeUndefined();
    // Apollo refuses a GET of anything but a query before figway's check, as 405 BAD_REQUEST.
    const get = await fetch(`${gateway.gateway.url}?query=${encodeURIComponent(subscription)}`, {
      headers: { authorization: `Bearer ${await gateway.tokenFor('alice')}` },
    });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    // A client's mistake, not the gateway's: nothing is logged as an error.
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it("answers wrongly typed or missing variables with BAD_USER_INPUT and graphql's message on both transports", async () => {
    const query = 'query ($first: Int!) { commitments(first: $first) { edges { cursor } } }';
    for (const variables of [{ first: 'ten' }, {}, { first: null }]) {
      lines.length = 0;
      const http = await gateway.query(query, { as: 'alice', variables });
      expect(http.status).toBe(400);
      expect(errorCodes(http)).toEqual(['BAD_USER_INPUT']);
      const outcome = await wsOperation(
        gateway.gateway.url,
        query,
        `Bearer ${await gateway.tokenFor('alice')}`,
        variables,
      );
      // Refused before it runs, as a query the schema refuses is.
      expect(outcome.kind).toBe('failed');
      const errors = (outcome as { error: Array<{ message: string; extensions?: { code?: unknown } }> })
        .error;
      expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors[0]?.message).toBe(http.body.errors?.[0]?.message);
      expect(errors[0]?.message).toMatch(/^Variable "\$first" /);
      expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    }
  });

  it('answers a null reaching a non-null argument through a defaulted variable with BAD_USER_INPUT on both transports', async () => {
    lines.length = 0;
    const query = 'query ($id: ID = "c0000000-0000-4000-8000-000000000003") { commitment(id: $id) { id } }';
    const http = await gateway.query(query, { as: 'alice', variables: { id: null } });
    expect(http.status).toBe(400);
    expect(errorCodes(http)).toEqual(['BAD_USER_INPUT']);
    expect(http.body.errors?.[0]?.message).toBe('Argument "id" of non-null type "ID!" must not be null.');
    const outcome = await wsOperation(
      gateway.gateway.url,
      query,
      `Bearer ${await gateway.tokenFor('alice')}`,
      {
        id: null,
      },
    );
    expect(outcome.kind).toBe('failed');
    const errors = (outcome as { error: Array<{ message: string; extensions?: { code?: unknown } }> }).error;
    expect(errors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errors[0]?.message).toBe(http.body.errors?.[0]?.message);
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it('keeps errors from the catalogue as they are over graphql-ws', async () => {
    const anonymous = await wsOperation(
      gateway.gateway.url,
      'mutation { updateCommitmentStatus(id: "c0000000-0000-4000-8000-000000000003", status: ACTIVE) { id } }',
    );
    const errors = wsErrors(anonymous);
    expect(errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(errors[0]?.message).toMatch(/Sign in/);
  });
});
