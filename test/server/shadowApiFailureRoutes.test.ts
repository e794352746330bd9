import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { createShadowApiRoutes } from '../../src/server/shadowApiRoutes.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from '../reports/insertObservations.ts';

// The shadow API's routes behind the page's failure list and rate charts: `failures`,
// `rates`, and the `since` and `message` filters of `observations`.
const engine = (await testEngines()).at(-1);
const NOW = new Date('2025-06-01T12:00:00.000Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const missing = (id: string) => `Commitment ${id} is not in the target backend.`;
const KEY = 'Commitment <uuid> is not in the target backend.';

describe.runIf(engine !== undefined)('createShadowApiRoutes: failures and rates', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let server: Server;
  let base: string;
  let ids: number[];

  async function get(path: string) {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    if (engine === undefined) throw new Error('no database engine');
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    ids = await insertObservations(db, [
      ...times(7, (i) => observation(ago(10 + i))),
      observation(ago(9), {
        outcome: 'candidate_error',
        candidateError: missing('c0mm1t00-0000-4000-8000-000000000001'),
      }),
      observation(ago(8), {
        outcome: 'candidate_error',
        candidateError: missing('c0mm1t00-0000-4000-8000-000000000002'),
      }),
      observation(ago(3 * 60), {
        outcome: 'candidate_error',
        candidateError: missing('c0mm1t00-0000-4000-8000-000000000003'),
      }),
    ]);
    const verifyBearer = createBearerVerifier({
      kind: 'secret',
      secret: 'a-secret-for-the-failure-routes-test-40ch',
    });
    const routes = createShadowApiRoutes({ db, development: true, verifyBearer, now: () => NOW });
    server = createServer((request, response) => {
      const { pathname } = new URL(request.url ?? '/', 'http://localhost');
      routes(request, response, pathname)
        .then((handled) => {
          if (!handled) response.writeHead(418).end();
        })
        .catch(() => response.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await drop?.();
  });

  it('answers the candidate failures of the period, grouped by message key', async () => {
    const { status, body } = await get('/admin/api/shadow/failures?since=1h');
    expect(status).toBe(200);
    expect(body).toEqual({
      since: ago(60).toISOString(),
      groups: [
        expect.objectContaining({
          unit: 'Commitment.status',
          message: KEY,
          samples: 2,
          comparisons: 2,
          rate: 2 / 9,
        }),
      ],
      truncated: false,
    });
    const day = await get('/admin/api/shadow/failures?since=24h');
    expect(day.body.groups).toEqual([expect.objectContaining({ samples: 3, rate: 3 / 10 })]);
    const bad = await get('/admin/api/shadow/failures?limit=0');
    expect(bad.status).toBe(400);
  });

  it("lists a group's observations of the period by its message key", async () => {
    const query = new URLSearchParams({ outcome: 'candidate_error', message: KEY, since: '1h' });
    const { body } = await get(`/admin/api/shadow/observations?${query}`);
    expect((body.observations as Array<{ id: number }>).map((row) => row.id)).toEqual([ids[8], ids[7]]);
    const ever = await get(
      `/admin/api/shadow/observations?outcome=candidate_error&message=${encodeURIComponent(KEY)}`,
    );
    expect(ever.body.observations).toHaveLength(3);
    const empty = await get('/admin/api/shadow/observations?message=');
    expect(empty.status).toBe(400);
    const since = await get('/admin/api/shadow/observations?since=soon');
    expect(since.status).toBe(400);
  });

  it('answers the rates over the span the observations cover', async () => {
    const { status, body } = await get('/admin/api/shadow/rates?since=1h');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      since: ago(60).toISOString(),
      from: ago(16).toISOString(),
      bucketMs: 10_000,
    });
    const points = (body.series as Array<{ points: Array<{ candidateErrorRate: number | null }> }>)[0]
      ?.points;
    expect(points?.filter((point) => point.candidateErrorRate === 1)).toHaveLength(2);
    const none = await get('/admin/api/shadow/rates?since=1h&unit=Query.me');
    expect(none.body).toMatchObject({ from: null, to: null, series: [] });
    const bad = await get('/admin/api/shadow/rates?since=never');
    expect(bad.status).toBe(400);
  });
});
