import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestBudget, withinRequestBudget } from '../../../src/backends/requestBudget.ts';
import { createRestTransport } from '../../../src/backends/supabase/restTransport.ts';
import { ANONYMOUS, type Viewer } from '../../../src/backends/viewer.ts';
import type { BackendEvents, FailurePhase } from '../../../src/core/database.ts';
import { answerAfterHangUp } from '../../support/answerAfterHangUp.ts';
import { closedPort } from '../../support/closedPort.ts';

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

const COMMITMENT = 'c0000000-0000-4000-8000-000000000001';
const USER: Viewer = {
  kind: 'user',
  id: 'a11ce000-0000-4000-8000-000000000001',
  email: null,
  cohort: null,
  claims: {},
  token: 'token',
};

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

  it('sends nothing once the budget is spent, and says a write was not made', async () => {
    let requests = 0;
    const url = await project((_request, response) => {
      requests += 1;
      response.end('[]');
    });
    const store = createRestTransport({ url, anonKey: 'anon' });
    await expect(
      withinRequestBudget(createRequestBudget(0), () => store.listCommitmentTypes(ANONYMOUS)),
    ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
    const write = withinRequestBudget(createRequestBudget(0), () =>
      store.attachDocument(USER, COMMITMENT, 'a.pdf', 'https://x.test/a.pdf'),
    );
    await expect(write).rejects.toMatchObject({
      message: expect.stringMatching(/unfinished database work was cancelled/),
      extensions: { code: 'REQUEST_TIMEOUT' },
    });
    await expect(write).rejects.not.toHaveProperty('extensions.outcome');
    expect(requests).toBe(0);
  });

  it('says a write the project received but did not answer within the budget may have been made', async () => {
    // PostgREST reads the whole request before it runs the statement.
    const late = answerAfterHangUp('[]');
    const url = await project(late.handle);
    const recorded = recording();
    const store = createRestTransport({ url, anonKey: 'anon', events: recorded.events });
    const write = withinRequestBudget(createRequestBudget(300), () =>
      store.updateCommitmentStatus(USER, COMMITMENT, 'DRAFT', 'PROPOSED'),
    );
    await expect(write).rejects.toMatchObject({
      message: expect.stringMatching(
        /before the legacy backend answered its write: the write may have been made/,
      ),
      extensions: { code: 'REQUEST_TIMEOUT', backend: 'legacy', outcome: 'unknown' },
    });
    await late.received;
    expect(JSON.parse(late.bodies[0] ?? '')).toEqual({ status: 'PROPOSED' });
    // A read cut so keeps REQUEST_TIMEOUT, with nothing to say about an outcome.
    const read = withinRequestBudget(createRequestBudget(300), () =>
      store.commitmentsByIds(USER, [COMMITMENT]),
    );
    await expect(read).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
    await expect(read).rejects.not.toHaveProperty('extensions.outcome');
    expect(recorded.timeouts()).toBe(2);
    expect(recorded.failures).toEqual([]);
  });

  it('says a write whose connection broke after sending may have been made, and one never sent was not', async () => {
    const url = await project((request) => {
      request.resume();
      request.on('end', () => request.socket.destroy());
    });
    const recorded = recording();
    const broken = createRestTransport({ url, anonKey: 'anon', events: recorded.events });
    await expect(broken.addParty(USER, COMMITMENT, USER.id, 'PARTICIPANT')).rejects.toMatchObject({
      message: expect.stringMatching(/did not answer the write: it may have been made/),
      extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'legacy', outcome: 'unknown' },
    });
    expect(recorded.failures).toHaveLength(1);

    const down = createRestTransport({ url: `http://127.0.0.1:${await closedPort()}`, anonKey: 'anon' });
    const refused = down.addParty(USER, COMMITMENT, USER.id, 'PARTICIPANT');
    await expect(refused).rejects.toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE' } });
    await expect(refused).rejects.not.toHaveProperty('extensions.outcome');
  });
});
