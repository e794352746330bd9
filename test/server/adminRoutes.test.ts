import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../harness/targetDatabases.ts';
import { demoUser } from '../../harness/testGateway.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { createPostgresTransport } from '../../src/backends/supabase/postgresTransport.ts';
import { createAdminRoutes } from '../../src/server/adminRoutes.ts';
import type { Backends } from '../../src/server/openBackends.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const SEEDED = 'c0000000-0000-4000-8000-000000000003';

describe('the admin verification route', () => {
  let fixture: MigrationFixture;
  let server: Server;
  let origin: string;
  let admin: string;
  const failures: unknown[] = [];

  beforeAll(async () => {
    fixture = await createMigrationFixture(pglite, { backfill: true });
    const secret = randomBytes(32).toString('base64url');
    admin = await signSupabaseToken(demoUser('admin'), secret);
    const backends: Backends = {
      legacy: createPostgresTransport(fixture.legacy),
      legacyDb: fixture.legacy,
      captureInstalled: false,
      targets: {
        ledger: fixture.ledger,
        oltp: fixture.oltp,
        commitments: createLedgerCommitments(fixture.ledger),
        store: fixture.target,
      },
      observationsDb: null,
      seeded: false,
      close: async () => {},
    };
    const routes = createAdminRoutes(backends, createBearerVerifier({ kind: 'secret', secret }), {
      routerFor: () => {
        throw new Error('verification routes nothing');
      },
    });
    // As the gateway serves them: what a route throws is a 500.
    server = createServer((request, response) => {
      const { pathname } = new URL(request.url ?? '/', 'http://localhost');
      routes(request, response, pathname).catch((error: unknown) => {
        failures.push(error);
        response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fixture.drop();
  });

  const verification = (id: string) =>
    fetch(`${origin}/admin/commitments/${id}/verification`, {
      headers: { authorization: `Bearer ${admin}` },
    });

  it('verifies a commitment named by its UUID', async () => {
    const response = await verification(SEEDED);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: SEEDED, verified: true });
  });

  it.each([
    ['malformed percent-encoding', '%E0%A4%A', /not valid percent-encoding/],
    ['an id that is not a UUID', 'not-a-commitment', /not-a-commitment is not a UUID/],
    ['an encoded id that is not a UUID', encodeURIComponent("1' or '1'='1"), /is not a UUID/],
  ])('answers %s with 400 BAD_REQUEST, reading nothing', async (_, id, message) => {
    const response = await verification(id);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(message);
    expect(failures).toEqual([]);
  });
});
