import { createHash } from 'node:crypto';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { buildConnectSchema } from '../../resolvers/createConnectApp.ts';
import { readPublishedSchemas } from '../../src/schema/schemaFiles.ts';

const engines = await testEngines();
const FIRST_PAGE = 'query ($after: String) { commitments(first: 2, after: $after) { edges { cursor } } }';

function cursorOf(createdAt: string, id = 'c0000000-0000-4000-8000-000000000001') {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

async function post(gateway: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(gateway.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    },
  };
}

describe.each(engines)('requests the gateway refuses clearly ($name)', (engine) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(engine, { targets: true });
  });
  afterAll(() => gateway.close());

  it('refuses an admin stage override for an unknown unit, listing the units', async () => {
    const admin = await gateway.tokenFor('admin');
    const response = await post(
      gateway,
      { query: '{ commitmentTypes { id } }' },
      { authorization: `Bearer ${admin}`, 'x-figway-stage': 'Commitment.stauts=live' },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(response.body.errors?.[0]?.message).toContain('Commitment.stauts');
    expect(response.body.errors?.[0]?.message).toContain('Commitment.status');
  });

  it.each([
    ['a day that does not exist', '2026-02-30T00:00:00.000Z'],
    ['a bare number', '1'],
    ['a year PostgreSQL cannot hold', '+275760-09-13T00:00:00.000Z'],
  ])('answers a cursor holding %s with BAD_USER_INPUT', async (_, createdAt) => {
    const response = await gateway.query(FIRST_PAGE, {
      as: 'alice',
      variables: { after: cursorOf(createdAt) },
    });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.extensions?.field).toBe('after');
  });

  it('still pages with the cursors it hands out', async () => {
    const first = await gateway.query(FIRST_PAGE, { as: 'alice' });
    const page = first.body.data?.commitments as { edges: Array<{ cursor: string }> } | undefined;
    const next = await gateway.query(FIRST_PAGE, {
      as: 'alice',
      variables: { after: page?.edges[1]?.cursor },
    });
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data).toMatchObject({ commitments: { edges: [{}, {}] } });
  });

  it('answers an automatic persisted query whose hash does not match with 400 and BAD_REQUEST', async () => {
    const query = '{ commitmentTypes { id } }';
    const wrong = createHash('sha256').update(`${query} `).digest('hex');
    const response = await post(gateway, {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: wrong } },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(response.body.errors?.[0]?.message).toMatch(/sha/i);
  });
});

describe('the served schema', () => {
  it('keeps the descriptions of the published schema its version label names', async () => {
    const { schema, version } = await buildConnectSchema();
    const published = (await readPublishedSchemas()).find((entry) => entry.label === version);
    expect(published, `served version ${version} is a published label`).toBeDefined();
    const frozen = buildSchema(published?.sdl ?? '');
    expect(schema.getType('DateTime')?.description).toBe(frozen.getType('DateTime')?.description);
    expect(schema.getType('DateTime')?.description).toMatch(/ISO-8601/);
  });
});
