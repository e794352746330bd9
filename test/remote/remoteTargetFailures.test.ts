import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openRemoteTargets } from '../../src/backends/remote/openRemoteTargets.ts';
import { createRequestBudget, withinRequestBudget } from '../../src/backends/requestBudget.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import { answerAfterHangUp } from '../support/answerAfterHangUp.ts';
import { closedPort } from '../support/closedPort.ts';
import {
  ALICE,
  ALICE_AND_CAROL,
  ledger,
  oltp,
  recordingEvents,
  remote,
  silentService,
  useRemoteTargetServices,
  viewers,
} from './remoteTargetFixture.ts';

// The gateway's target side over the target services when a service is down, silent, refuses the gateway's token or answers off-contract.
useRemoteTargetServices();

describe('the remote target store when a service fails', () => {
  it('answers BACKEND_UNAVAILABLE for a service nothing listens on, and tells the failure log', async () => {
    const port = await closedPort();
    const recorded = recordingEvents();
    const down = await openRemoteTargets({
      ledger: { url: `http://127.0.0.1:${port}/graphql`, timeoutMs: 2000 },
      oltp: { url: oltp.url, timeoutMs: 2000 },
      events: { ledger: recorded.events },
    });
    try {
      await expect(down.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL])).rejects.toMatchObject({
        message: 'The ledger service failed to answer.',
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'ledger' },
      });
      // Never reached: the write is known not to have been made.
      const write = down.store.updateCommitmentStatus(viewers.alice, ALICE_AND_CAROL, 'DRAFT', 'PROPOSED');
      await expect(write).rejects.toMatchObject({ extensions: { code: 'BACKEND_UNAVAILABLE' } });
      await expect(write).rejects.not.toHaveProperty('extensions.outcome');
      expect(recorded.failures).toEqual([
        { code: 'ECONNREFUSED', during: 'connect' },
        { code: 'ECONNREFUSED', during: 'connect' },
      ]);
      await expect(down.ping.ledger()).rejects.toThrow(/did not answer/);
      await expect(down.ping.oltp()).resolves.toBeUndefined();
    } finally {
      await down.close();
    }
  });

  it('cuts a service that does not answer at its timeout; a write cut so has an unknown outcome', async () => {
    const silent = await silentService();
    const recorded = recordingEvents();
    const slow = await openRemoteTargets({
      ledger: { url: silent.url, timeoutMs: 300 },
      oltp: { url: silent.url, timeoutMs: 300 },
      events: { ledger: recorded.events },
    });
    try {
      await expect(slow.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL])).rejects.toMatchObject({
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'ledger' },
      });
      await expect(
        slow.store.attachDocument(viewers.alice, ALICE_AND_CAROL, 'a.pdf', 'https://x.test/a.pdf'),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/may have been made/),
        extensions: { code: 'BACKEND_UNAVAILABLE', outcome: 'unknown' },
      });
      expect(recorded.failures).toEqual([
        { code: 'TIMEOUT', during: 'statement' },
        { code: 'TIMEOUT', during: 'statement' },
      ]);
      // A request whose own budget ends first answers REQUEST_TIMEOUT, as a database call does.
      const budget = createRequestBudget(100);
      await expect(
        withinRequestBudget(budget, () => slow.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL])),
      ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
      expect(recorded.timeouts()).toBe(1);
    } finally {
      await slow.close();
      silent.server.closeAllConnections();
      await new Promise<void>((resolve) => silent.server.close(() => resolve()));
    }
  });

  it('says a write the service received but did not answer within the budget may have been made', async () => {
    const answerer = answerAfterHangUp('{"data":null}');
    const late = createServer(answerer.handle);
    await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve));
    const recorded = recordingEvents();
    const slow = await openRemoteTargets({
      ledger: { url: `http://127.0.0.1:${(late.address() as AddressInfo).port}/graphql`, timeoutMs: 5000 },
      oltp: { url: oltp.url, timeoutMs: 5000 },
      events: { ledger: recorded.events },
    });
    try {
      const write = withinRequestBudget(createRequestBudget(300), () =>
        slow.store.attachDocument(viewers.alice, ALICE_AND_CAROL, 'a.pdf', 'https://x.test/a.pdf'),
      );
      await expect(write).rejects.toMatchObject({
        message: expect.stringMatching(
          /before the ledger service answered its write: the write may have been made; read it before trying again/,
        ),
        extensions: { code: 'REQUEST_TIMEOUT', backend: 'ledger', outcome: 'unknown' },
      });
      await answerer.received;
      expect(answerer.bodies[0]).toMatch(/attachDocument/);
      // A read cut so keeps REQUEST_TIMEOUT, with nothing to say about an outcome.
      const read = withinRequestBudget(createRequestBudget(300), () =>
        slow.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL]),
      );
      await expect(read).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
      await expect(read).rejects.not.toHaveProperty('extensions.outcome');
      // A write refused before it was sent was not made.
      const unsent = withinRequestBudget(createRequestBudget(0), () =>
        slow.store.attachDocument(viewers.alice, ALICE_AND_CAROL, 'b.pdf', 'https://x.test/b.pdf'),
      );
      await expect(unsent).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
      await expect(unsent).rejects.not.toHaveProperty('extensions.outcome');
      expect(answerer.bodies).toHaveLength(2);
      expect(recorded.timeouts()).toBe(3);
    } finally {
      await slow.close();
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });

  it('answers BACKEND_UNAVAILABLE when a service refuses a token the gateway accepted', async () => {
    const stranger: Viewer = {
      kind: 'user',
      id: ALICE,
      email: null,
      cohort: null,
      claims: {},
      token: 'not-a-jwt',
    };
    await expect(remote.store.profilesByIds(stranger, [ALICE])).rejects.toMatchObject({
      message: "The oltp service refused the caller's token: it must verify the same tokens as the gateway.",
      extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'oltp' },
    });
  });

  it('answers BACKEND_UNAVAILABLE for a service that answers something other than the contract', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('upstream exploded');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const broken = await openRemoteTargets({
      ledger: { url: ledger.url, timeoutMs: 2000 },
      oltp: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, timeoutMs: 2000 },
    });
    try {
      await expect(broken.store.listCommitmentTypes(viewers.alice)).rejects.toMatchObject({
        message: 'The oltp service failed to answer.',
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'oltp' },
      });
    } finally {
      await broken.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers BACKEND_UNAVAILABLE, and tells the failure log, for a 200 answer off the contract', async () => {
    // A service of its own that answers well-formed GraphQL with the wrong shapes.
    const answers: Record<string, unknown> = {
      CommitmentTypes: { data: {} },
      CommitmentsByIds: { data: { commitmentsByIds: [{ id: ALICE_AND_CAROL, type: null }] } },
      UpdateCommitmentStatus: { data: { updateCommitmentStatus: { id: ALICE_AND_CAROL, type: null } } },
    };
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const { query } = JSON.parse(body) as { query: string };
        const operation = /^\s*(?:query|mutation) (\w+)/.exec(query)?.[1] ?? '';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answers[operation] ?? { data: null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const recorded = recordingEvents();
    const offContract = await openRemoteTargets({
      ledger: { url, timeoutMs: 2000 },
      oltp: { url, timeoutMs: 2000 },
      events: { ledger: recorded.events, oltp: recorded.events },
    });
    try {
      await expect(offContract.store.listCommitmentTypes(viewers.alice)).rejects.toMatchObject({
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'oltp' },
      });
      await expect(
        offContract.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL]),
      ).rejects.toMatchObject({
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'ledger' },
      });
      // A write answered off the contract may have been made.
      await expect(
        offContract.store.updateCommitmentStatus(viewers.alice, ALICE_AND_CAROL, 'DRAFT', 'PROPOSED'),
      ).rejects.toMatchObject({
        message: expect.stringMatching(
          /answer to the write did not fit its contract: the write may have been made/,
        ),
        extensions: { code: 'BACKEND_UNAVAILABLE', backend: 'ledger', outcome: 'unknown' },
      });
      expect(recorded.failures).toEqual([
        { code: 'OFF_CONTRACT', during: 'statement' },
        { code: 'OFF_CONTRACT', during: 'statement' },
        { code: 'OFF_CONTRACT', during: 'statement' },
      ]);
    } finally {
      await offContract.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
