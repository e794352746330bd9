import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from '../../harness/databases.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { figway } from '../support/figwayProcess.ts';
import { post, serviceTokens, startService, UNSET } from './serviceProcess.ts';

const ALICE_AND_CAROL = 'c0000000-0000-4000-8000-000000000001';

describe('figway service on the embedded default', () => {
  it('serves the demo commitments to their parties from the embedded ledger, holds the data, and exits 0 on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const dataDir = await freshDataDir('figway-service-');
    try {
      const service = await startService('ledger', { FIGWAY_DATA_DIR: dataDir });
      try {
        const lock = JSON.parse(await readFile(join(dataDir, 'gateway.json'), 'utf8')) as { url: string };
        expect(lock.url).toBe(service.url);
        const alice = (
          await figway(['token', 'alice'], { ...UNSET, FIGWAY_DATA_DIR: dataDir })
        ).stdout.trim();
        const query = `{ commitmentsByIds(ids: ["${ALICE_AND_CAROL}"]) { id parties { role } } }`;
        const answer = await post(service.url, query, { token: alice });
        expect(answer.body).toEqual({
          data: {
            commitmentsByIds: [
              { id: ALICE_AND_CAROL, parties: [{ role: 'CREATOR' }, { role: 'PARTICIPANT' }] },
            ],
          },
        });
        expect((await post(service.url, query)).body).toEqual({ data: { commitmentsByIds: [] } });
        expect((await fetch(new URL('/healthz', service.url))).status).toBe(200);
      } finally {
        expect(await service.stop()).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('figway service refusals', () => {
  it('exits 2 with its usage for an unknown target or a bad port', async () => {
    const unknown = await figway(['service', 'legacy'], UNSET);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/usage: figway service ledger\|oltp/);
    const port = await figway(['service', 'oltp', '--port', 'eighty'], UNSET);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a port number, not "eighty"/);
  });

  it('exits 2 naming OLTP_DATABASE_URL when legacy is hosted and the service has no database of its own', async () => {
    const tokens = await serviceTokens();
    const result = await figway(['service', 'oltp', '--port', '0'], {
      ...UNSET,
      ...tokens.env,
      SUPABASE_DB_URL: TEST_POSTGRES_URL,
      LEDGER_DATABASE_URL: TEST_POSTGRES_URL,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/figway service oltp needs OLTP_DATABASE_URL/);
    expect(result.stdout).not.toMatch(/figway service is listening/);
  });

  it('exits 2 naming FIGWAY_SERVICE_KEY when the key is shorter than 32 characters', async () => {
    const tokens = await serviceTokens();
    const result = await figway(['service', 'ledger', '--port', '0'], {
      ...UNSET,
      ...tokens.env,
      LEDGER_DATABASE_URL: TEST_POSTGRES_URL,
      FIGWAY_SERVICE_KEY: 'too short',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FIGWAY_SERVICE_KEY: must be at least 32 characters/);
    expect(result.stdout).not.toMatch(/figway service is listening/);
  });

  it('exits 2 naming SUPABASE_JWT_SECRET when its own database is set and no verifier is', async () => {
    const result = await figway(['service', 'ledger', '--port', '0'], {
      ...UNSET,
      LEDGER_DATABASE_URL: TEST_POSTGRES_URL,
      SUPABASE_JWT_ISSUER: 'http://127.0.0.1:54321/auth/v1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /figway service ledger on LEDGER_DATABASE_URL needs SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL/,
    );
  });
});
