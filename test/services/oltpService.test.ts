import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { contractDepartures } from './contractCheck.ts';
import { errorCodes, post, type ServiceProcess, serviceTokens, startService } from './serviceProcess.ts';

const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const BOB = 'b0b00000-0000-4000-8000-000000000002';
const LOAN = '7e000000-0000-4000-8000-000000000001';
const UNKNOWN = 'ffffffff-0000-4000-8000-000000000000';

let databases: ProductionDatabases;
let service: ServiceProcess;
let tokens: Awaited<ReturnType<typeof serviceTokens>>;

beforeAll(async () => {
  databases = await createProductionDatabases();
  tokens = await serviceTokens();
  service = await startService('oltp', {
    NODE_ENV: 'production',
    OLTP_DATABASE_URL: databases.urls.oltp,
    FIGWAY_METRICS_TOKEN: 'a-metrics-token-of-the-oltp-test',
    ...tokens.env,
  });
}, 120_000);

afterAll(async () => {
  const code = await service?.stop();
  await databases?.drop();
  expect(code).toBe(0);
});

describe('figway service oltp on PostgreSQL', () => {
  it('answers /healthz, and /metrics only with the metrics token', async () => {
    const health = await fetch(new URL('/healthz', service.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', backends: { oltp: { status: 'up' } } });
    expect((await fetch(new URL('/metrics', service.url))).status).toBe(401);
    const metrics = await fetch(new URL('/metrics', service.url), {
      headers: { authorization: 'Bearer a-metrics-token-of-the-oltp-test' },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^figway_process_cpu_seconds_total \d/m);
  });

  it('serves every type, field and argument of schema/targets/oltp.graphql', async () => {
    expect(await contractDepartures('oltp', service.url)).toEqual([]);
  });

  it('answers profiles and commitment types by key in one call, leaving out unknown ids', async () => {
    const answer = await post(
      service.url,
      `query ($people: [ID!]!, $types: [ID!]!) {
        profilesByIds(ids: $people) { id username displayName createdAt }
        commitmentTypesByIds(ids: $types) { id name }
        commitmentTypes { name }
      }`,
      { token: tokens.bob, variables: { people: [BOB, ALICE, UNKNOWN, 'alice'], types: [LOAN, UNKNOWN] } },
    );
    expect(answer.body.errors).toBeUndefined();
    const data = answer.body.data as {
      profilesByIds: Array<{ id: string; username: string; createdAt: string }>;
      commitmentTypesByIds: Array<{ id: string; name: string }>;
      commitmentTypes: Array<{ name: string }>;
    };
    expect(data.profilesByIds.map((profile) => profile.username).sort()).toEqual(['alice', 'bob']);
    expect(data.profilesByIds[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(data.commitmentTypesByIds).toEqual([{ id: LOAN, name: 'Loan' }]);
    const names = data.commitmentTypes.map((type) => type.name);
    expect(names.length).toBeGreaterThan(1);
    expect(names).toEqual([...names].sort());
  });

  it('gives anonymous callers the commitment types and no profile', async () => {
    const answer = await post(
      service.url,
      `{ profilesByIds(ids: ["${ALICE}"]) { id } commitmentTypesByIds(ids: ["${LOAN}"]) { id } }`,
    );
    expect(answer.body).toEqual({ data: { profilesByIds: [], commitmentTypesByIds: [{ id: LOAN }] } });
  });

  it('answers a bad token with 401 UNAUTHENTICATED, and over 1000 ids with BAD_USER_INPUT', async () => {
    const bad = await post(service.url, `{ profilesByIds(ids: ["${ALICE}"]) { id } }`, {
      token: await tokens.expired('alice'),
    });
    expect(bad.status).toBe(401);
    expect(errorCodes(bad)).toEqual(['UNAUTHENTICATED']);
    const ids = Array.from(
      { length: 1001 },
      (_, index) => `ffffffff-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const many = await post(service.url, 'query ($ids: [ID!]!) { profilesByIds(ids: $ids) { id } }', {
      token: tokens.alice,
      variables: { ids },
    });
    expect(errorCodes(many)).toEqual(['BAD_USER_INPUT']);
  });
});
