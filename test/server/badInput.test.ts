import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { testEngines } from '../../harness/databases.ts';
import { demoUser, errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { wsOperation, wsUrlOf } from '../support/wsClient.ts';

const engines = await testEngines();
const ACTIVE_OF_ALICE = 'c0000000-0000-4000-8000-000000000003'; // alice, bob, carol; path ends ACTIVE

async function post(gateway: TestGateway, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(gateway.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> },
  };
}

describe.each(engines)('bad input ($name)', (engine) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(engine, { maxBodyBytes: 4096 });
  });
  afterAll(() => gateway.close());

  it('answers a malformed query with 400 and GRAPHQL_PARSE_FAILED', async () => {
    const response = await gateway.query('{ commitments { edges ', { as: 'alice' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers an unknown field with 400 and GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await gateway.query('{ commitments { totalCount } }', { as: 'alice' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers wrongly typed variables with 400 and BAD_USER_INPUT', async () => {
    const response = await gateway.query(
      'query ($first: Int) { commitments(first: $first) { edges { cursor } } }',
      {
        as: 'alice',
        variables: { first: 'ten' },
      },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers unknown and malformed ids with null', async () => {
    const response = await gateway.query(
      '{ unknown: commitment(id: "c0000000-0000-4000-8000-999999999999") { id } malformed: commitment(id: "42") { id } }',
      { as: 'alice' },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ unknown: null, malformed: null });
  });

  it('rejects a page size out of range and a forged cursor', async () => {
    const tooMany = await gateway.query('{ commitments(first: 1000) { edges { cursor } } }', { as: 'alice' });
    const forged = await gateway.query('{ commitments(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }', {
      as: 'alice',
    });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
  });

  it('rejects a status change the rules forbid and changes no row', async () => {
    const before = await gateway.db.query(
      'select status, version, updated_at from public.commitments where id = $1',
      [ACTIVE_OF_ALICE],
    );
    const response = await gateway.query(
      'mutation ($id: ID!) { updateCommitmentStatus(id: $id, status: DRAFT) { status } }',
      { as: 'alice', variables: { id: ACTIVE_OF_ALICE } },
    );
    expect(errorCodes(response)).toEqual(['INVALID_STATUS_TRANSITION']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /cannot move from ACTIVE to DRAFT.*FULFILLED, BREACHED, CANCELLED/,
    );
    const after = await gateway.db.query(
      'select status, version, updated_at from public.commitments where id = $1',
      [ACTIVE_OF_ALICE],
    );
    expect(after).toEqual(before);
  });

  it('rejects invalid mutation input with BAD_USER_INPUT naming the field', async () => {
    const cases = [
      'mutation { createCommitment(input: { title: "   ", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }',
      'mutation { createCommitment(input: { title: "ok", typeId: "7e000000-0000-4000-8000-00000000ffff" }) { id } }',
      `mutation { attachDocument(commitmentId: "${ACTIVE_OF_ALICE}", input: { name: "a", url: "javascript:alert(1)" }) { id } }`,
      `mutation { addParty(commitmentId: "${ACTIVE_OF_ALICE}", profileId: "${demoUser('dave').id}", role: CREATOR) { id } }`,
    ];
    const count = async () =>
      (await gateway.db.query('select count(*)::int as n from public.commitment_history'))[0]?.n;
    const historyBefore = await count();
    for (const mutation of cases) {
      const response = await gateway.query(mutation, { as: 'alice' });
      expect(errorCodes(response), mutation).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.extensions?.field).toBeTypeOf('string');
    }
    expect(await count()).toBe(historyBefore);
  });

  it('answers a body that is not JSON with 400 BAD_REQUEST', async () => {
    const response = await post(gateway, '{"query": ');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('refuses a POST whose body is not declared JSON with 400 BAD_REQUEST, running nothing', async () => {
    const count = async () =>
      (await gateway.db.query('select count(*)::int as n from public.commitments'))[0]?.n;
    const before = await count();
    const mutation = JSON.stringify({
      query:
        'mutation { createCommitment(input: { title: "Sent as text", typeId: "7e000000-0000-4000-8000-000000000001" }) { id } }',
    });
    const authorization = `Bearer ${await gateway.tokenFor('alice')}`;
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      null,
    ]) {
      const response = await fetch(gateway.gateway.url, {
        method: 'POST',
        // A Blob body keeps fetch from adding a content type of its own.
        headers: contentType === null ? { authorization } : { authorization, 'content-type': contentType },
        body: contentType === null ? new Blob([mutation]) : mutation,
      });
      expect(response.status, String(contentType)).toBe(400);
      const body = (await response.json()) as {
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
      };
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(body.errors?.[0]?.message).toMatch(/content-type: application\/json/);
    }
    expect(await count()).toBe(before);
  });

  it('serves a POST of application/json with a charset, and of application/graphql-response+json', async () => {
    for (const contentType of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/graphql-response+json',
    ]) {
      const response = await post(gateway, JSON.stringify({ query: '{ me { username } }' }), {
        'content-type': contentType,
        authorization: `Bearer ${await gateway.tokenFor('alice')}`,
      });
      expect(response.status, contentType).toBe(200);
      expect(response.body).toMatchObject({ data: { me: { username: 'alice' } } });
    }
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post(gateway, JSON.stringify({ query: `{ me { id } } #${'x'.repeat(5000)}` }));
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('closes a WebSocket whose message is over the body limit with 1009, and keeps serving', async () => {
    const stderr = vi.spyOn(console, 'error');
    try {
      const socket = new WebSocket(wsUrlOf(gateway.gateway.url), 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      // Over 4096 bytes, refused as it arrives: before it is parsed, and before any token is checked.
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${'x'.repeat(5000)}` } }),
      );
      expect(await closed).toBe(1009);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
    const token = `Bearer ${await gateway.tokenFor('alice')}`;
    expect(await wsOperation(gateway.gateway.url, '{ me { username } }', token)).toEqual({
      kind: 'completed',
      results: [expect.objectContaining({ data: { me: { username: 'alice' } } })],
    });
    expect((await gateway.query('{ me { username } }', { as: 'alice' })).status).toBe(200);
  });

  it('answers a bad bearer token with 401 UNAUTHENTICATED and no data', async () => {
    const expired = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(demoUser('alice').id)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(gateway.secret));
    for (const token of [expired, 'not-a-jwt']) {
      const response = await gateway.query('{ commitments { edges { node { id } } } }', { token });
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data).toBeUndefined();
    }
  });
});
