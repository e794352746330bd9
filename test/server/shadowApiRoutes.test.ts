import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { demoUser } from '../../harness/testGateway.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import type { AdminRoutes } from '../../src/server/adminRoutes.ts';
import { createShadowApiRoutes } from '../../src/server/shadowApiRoutes.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from '../reports/insertObservations.ts';

const engines = await testEngines();

const SECRET = 'a-secret-for-the-shadow-api-test-of-40-chars';
const NOW = new Date('2025-06-01T12:00:00.000Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

/** Serves `routes` on a free port; anything they decline answers 418, so a test can tell. */
async function serve(routes: AdminRoutes): Promise<{ base: string; server: Server }> {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    routes(request, response, pathname)
      .then((handled) => {
        if (!handled) response.writeHead(418).end();
      })
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function get(base: string, path: string, token?: string) {
  const response = await fetch(`${base}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    body: (text === '' ? null : JSON.parse(text)) as Record<string, unknown> & {
      error?: { code: string; message: string };
    },
  };
}

describe.each(engines)('createShadowApiRoutes ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  let production: { base: string; server: Server };
  let development: { base: string; server: Server };
  let admin: string;
  let mismatchId: number;
  let newestMatchedId: number;

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    const ids = await insertObservations(db, [
      ...times(25, (i) => observation(ago(31 + i))),
      observation(ago(5), {
        outcome: 'mismatched',
        diffs: [{ path: 'commitment.status', control: 'open', candidate: 'closed' }],
      }),
      observation(ago(3 * 60), { unit: 'Query.commitment', cohort: null }),
    ]);
    mismatchId = ids[25] ?? -1;
    newestMatchedId = ids[0] ?? -1;
    const verifyBearer = createBearerVerifier({ kind: 'secret', secret: SECRET });
    const now = () => NOW;
    production = await serve(createShadowApiRoutes({ db, development: false, verifyBearer, now }));
    development = await serve(createShadowApiRoutes({ db, development: true, verifyBearer, now }));
    admin = await signSupabaseToken(demoUser('admin'), SECRET);
  });
  afterAll(async () => {
    production.server.close();
    development.server.close();
    await drop();
  });

  describe('GET /admin/api/shadow/report', () => {
    it('answers the ShadowReport as JSON for a service_role token', async () => {
      const { status, contentType, cacheControl, body } = await get(
        production.base,
        '/admin/api/shadow/report',
        admin,
      );
      expect(status).toBe(200);
      expect(contentType).toMatch(/^application\/json/);
      expect(cacheControl).toBe('no-store');
      expect(body).toMatchObject({ generatedAt: NOW.toISOString(), since: ago(24 * 60).toISOString() });
      expect(body.units).toEqual([
        expect.objectContaining({ unit: 'Commitment.status', cohort: 'beta', samples: 26, mismatched: 1 }),
        expect.objectContaining({ unit: 'Query.commitment', cohort: '(none)', samples: 1, verdict: 'hold' }),
      ]);
    });

    it('honours since and unit', async () => {
      const recent = await get(production.base, '/admin/api/shadow/report?since=2h', admin);
      expect((recent.body.units as Array<{ unit: string }>).map((unit) => unit.unit)).toEqual([
        'Commitment.status',
      ]);
      const one = await get(production.base, '/admin/api/shadow/report?unit=Query.commitment', admin);
      expect(one.body.units).toEqual([expect.objectContaining({ unit: 'Query.commitment' })]);
    });

    it('answers 400 for a since it cannot read', async () => {
      const { status, body } = await get(production.base, '/admin/api/shadow/report?since=yesterday', admin);
      expect(status).toBe(400);
      expect(body.error).toEqual({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/^since=yesterday is not/),
      });
    });
  });

  describe('GET /admin/api/shadow/series', () => {
    it('answers equal buckets per unit', async () => {
      const { status, body } = await get(
        production.base,
        '/admin/api/shadow/series?since=1h&buckets=2',
        admin,
      );
      expect(status).toBe(200);
      expect(body).toEqual({
        since: ago(60).toISOString(),
        buckets: 2,
        series: [
          {
            unit: 'Commitment.status',
            points: [
              { start: ago(60).toISOString(), samples: 25, comparisons: 25, mismatches: 0, mismatchRate: 0 },
              { start: ago(30).toISOString(), samples: 1, comparisons: 1, mismatches: 1, mismatchRate: 1 },
            ],
          },
        ],
      });
    });

    it('answers 400 for a bucket count out of range', async () => {
      for (const buckets of ['0', '501', 'ten', '2.5']) {
        const { status, body } = await get(
          production.base,
          `/admin/api/shadow/series?buckets=${buckets}`,
          admin,
        );
        expect(status, buckets).toBe(400);
        expect(body.error?.message).toMatch(/^buckets=/);
      }
    });
  });

  describe('GET /admin/api/shadow/observations', () => {
    it('lists observations newest first with filters and a limit', async () => {
      const { body } = await get(production.base, '/admin/api/shadow/observations?limit=2', admin);
      const observations = body.observations as Array<{ id: number; unit: string }>;
      expect(observations.map((row) => row.id)).toEqual([mismatchId, newestMatchedId]);
      const filtered = await get(
        production.base,
        '/admin/api/shadow/observations?unit=Commitment.status&cohort=beta&outcome=mismatched',
        admin,
      );
      expect(filtered.body.observations).toEqual([
        expect.objectContaining({ id: mismatchId, outcome: 'mismatched', cohort: 'beta' }),
      ]);
      const none = await get(production.base, '/admin/api/shadow/observations?cohort=(none)', admin);
      expect(none.body.observations).toEqual([
        expect.objectContaining({ unit: 'Query.commitment', cohort: null }),
      ]);
    });

    it('answers 400 for an unknown outcome or a bad limit', async () => {
      const outcome = await get(production.base, '/admin/api/shadow/observations?outcome=weird', admin);
      expect(outcome.status).toBe(400);
      expect(outcome.body.error?.message).toMatch(/outcome=weird is not one of matched, mismatched/);
      // Rows of the old `dropped` outcome are no observations: it cannot be asked for.
      const dropped = await get(production.base, '/admin/api/shadow/observations?outcome=dropped', admin);
      expect(dropped.status).toBe(400);
      const limit = await get(production.base, '/admin/api/shadow/observations?limit=-1', admin);
      expect(limit.status).toBe(400);
    });

    it('answers one observation by id, 404 for an unknown id and 400 for a malformed one', async () => {
      const found = await get(production.base, `/admin/api/shadow/observations/${mismatchId}`, admin);
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({
        id: mismatchId,
        diffs: [{ path: 'commitment.status', control: 'open', candidate: 'closed' }],
      });
      const unknown = await get(production.base, '/admin/api/shadow/observations/987654321', admin);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toEqual({ code: 'NOT_FOUND', message: 'No observation 987654321.' });
      const malformed = await get(production.base, '/admin/api/shadow/observations/abc', admin);
      expect(malformed.status).toBe(400);
    });
  });

  describe('access', () => {
    it('answers 401 without a token and for a bad one outside development', async () => {
      const missing = await get(production.base, '/admin/api/shadow/report');
      expect(missing.status).toBe(401);
      expect(missing.body.error?.code).toBe('UNAUTHENTICATED');
      expect(missing.cacheControl).toBe('no-store');
      const forged = await get(production.base, '/admin/api/shadow/report', `${admin.slice(0, -4)}AAAA`);
      expect(forged.status).toBe(401);
    });

    it('answers 403 for a user token', async () => {
      const alice = await signSupabaseToken(demoUser('alice'), SECRET);
      const { status, body } = await get(production.base, '/admin/api/shadow/observations', alice);
      expect(status).toBe(403);
      expect(body.error?.code).toBe('FORBIDDEN');
    });

    it('lets anyone in during development', async () => {
      const { status, body } = await get(development.base, '/admin/api/shadow/report');
      expect(status).toBe(200);
      expect(body.units).toHaveLength(2);
    });

    it('answers 404 JSON for an unknown shadow route, 400 for POST, and declines other paths', async () => {
      const unknown = await get(production.base, '/admin/api/shadow/nothing', admin);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error?.code).toBe('NOT_FOUND');
      const post = await fetch(`${production.base}/admin/api/shadow/report`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(post.status).toBe(400);
      const other = await get(production.base, '/admin/backfill/profiles', admin);
      expect(other.status).toBe(418);
    });
  });
});
