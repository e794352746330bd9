import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestBudget, withinRequestBudget } from '../../../src/backends/requestBudget.ts';
import { createRestTransport } from '../../../src/backends/supabase/restTransport.ts';
import { ANONYMOUS } from '../../../src/backends/viewer.ts';
import type { BackendEvents, FailurePhase } from '../../../src/core/database.ts';

// Stands in for the project: PostgREST cannot run here, and these tests need only its failures.
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

async function project(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  server = createServer(answer);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function recording() {
  const failures: Array<{ during: FailurePhase; message: string }> = [];
  let timeouts = 0;
  const events: BackendEvents = {
    backendFailed: (error, during) => void failures.push({ during, message: (error as Error).message }),
    timedOut() {
      timeouts += 1;
    },
  };
  return { events, failures, timeouts: () => timeouts };
}

describe('createRestTransport failures', () => {
  it('reports a project answering 503 with its cause, and answers BACKEND_UNAVAILABLE', async () => {
    const url = await project((_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'upstream database is restarting' }));
    });
    const recorded = recording();
    const store = createRestTransport({ url, anonKey: 'anon', events: recorded.events });
    await expect(store.listCommitmentTypes(ANONYMOUS)).rejects.toMatchObject({
      extensions: { code: 'BACKEND_UNAVAILABLE' },
    });
    expect(recorded.failures).toEqual([{ during: 'statement', message: 'upstream database is restarting' }]);
  });

  it("does not report a refusal of the caller's input", async () => {
    const url = await project((_request, response) => {
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: '23505', message: 'duplicate key value' }));
    });
    const recorded = recording();
    const store = createRestTransport({ url, anonKey: 'anon', events: recorded.events });
    await expect(store.listCommitmentTypes(ANONYMOUS)).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
    expect(recorded.failures).toEqual([]);
  });

  it('aborts a request still unanswered at its deadline with REQUEST_TIMEOUT', async () => {
    let closed = () => {};
    const abandoned = new Promise<void>((resolve) => {
      closed = resolve;
    });
    // Never answers; the transport must give up at the deadline and hang up.
    const url = await project((request) => request.socket.once('close', () => closed()));
    const recorded = recording();
    const store = createRestTransport({ url, anonKey: 'anon', events: recorded.events });
    const budget = createRequestBudget(300);
    await expect(
      withinRequestBudget(budget, () => store.listCommitmentTypes(ANONYMOUS)),
    ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
    await abandoned;
    expect(recorded.timeouts()).toBe(1);
    expect(recorded.failures).toEqual([]);
  });

  it('sends nothing once the budget is spent', async () => {
    let requests = 0;
    const url = await project((_request, response) => {
      requests += 1;
      response.end('[]');
    });
    const store = createRestTransport({ url, anonKey: 'anon' });
    await expect(
      withinRequestBudget(createRequestBudget(0), () => store.listCommitmentTypes(ANONYMOUS)),
    ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
    expect(requests).toBe(0);
  });
});
