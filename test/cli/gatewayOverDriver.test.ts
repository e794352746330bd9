import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { writeDefinitions } from '../../src/routing/flagFiles.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { ask, dataOf, sql } from '../remote/remoteDeployment.ts';
import { UNSET } from '../services/serviceProcess.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';
import {
  type LedgerServeProcess,
  SERVED_LEDGER,
  SERVED_LEDGER_KEY,
  startLedgerServe,
} from '../support/ledgerServeProcess.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';
import { wsOperation } from '../support/wsClient.ts';

const ISSUER = 'http://127.0.0.1:54321/auth/v1';
const SECRET = randomBytes(32).toString('base64url');
const LOAN = '7e000000-0000-4000-8000-000000000001';
// Alice's, with bob as its participant.
const SHARED = DEMO_COMMITMENTS[2];
if (SHARED === undefined) throw new Error('no demo commitment 2');

const READ = `query ($id: ID!) {
  commitment(id: $id) { id title status parties { role } history { version commitment { status } } }
  verifyCommitment(id: $id) { version verified problem proof }
}`;

const token = (username: string) =>
  signSupabaseToken(demoUser(username), SECRET, { issuer: ISSUER, ttlSeconds: 3600 });

describe('figway serve with LEDGER_QLDB_ENDPOINT: the gateway over amazon-qldb-driver-nodejs', () => {
  let databases: ProductionDatabases;
  let ledger: LedgerServeProcess;
  let gateway: ServeProcess;
  let dir: string;
  let env: Record<string, string>;
  const revisions = async () =>
    Number((await sql(databases.urls.ledger, 'select count(*) as n from ledger.revisions'))[0]?.n);

  beforeAll(async () => {
    databases = await createProductionDatabases();
    ledger = await startLedgerServe(databases.urls.ledger);
    dir = await mkdtemp(join(tmpdir(), 'figway-driver-gateway-'));
    const flags = join(dir, 'flags.json');
    // Everything at complete but one mutation, which is at live (mirrored to legacy).
    await writeDefinitions(
      flags,
      await flagsWith({
        ...(await unitsAt(
          ['Query.*', 'Commitment.*', 'Profile.*', 'Subscription.*', 'Mutation.*'],
          'complete',
        )),
        ...(await unitsAt(['Mutation.updateCommitmentStatus'], 'live')),
      }),
    );
    env = {
      ...UNSET,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      SUPABASE_DB_URL: databases.urls.legacy,
      OLTP_DATABASE_URL: databases.urls.oltp,
      OBSERVATIONS_DATABASE_URL: databases.urls.observations,
      LEDGER_QLDB_ENDPOINT: ledger.url,
      FIGWAY_LEDGER_NAME: SERVED_LEDGER.name,
      FIGWAY_LEDGER_ACCESS_KEY: SERVED_LEDGER_KEY,
      SUPABASE_JWT_SECRET: SECRET,
      SUPABASE_JWT_ISSUER: ISSUER,
      FIGWAY_SHADOW_SALT: randomBytes(16).toString('hex'),
      FIGWAY_FLAGS_FILE: flags,
    };
    gateway = await startServe(env);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await ledger?.stop();
    await databases?.drop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('serves units at complete from the ledger through the driver, and verifies them', async () => {
    const answer = await ask(gateway.url, READ, await token('admin'), { id: SHARED.id });
    const data = dataOf(answer);
    expect(answer.errors).toEqual([]);
    expect(data.commitment).toMatchObject({ id: SHARED.id, title: SHARED.title });
    const [stored] = await sql(
      databases.urls.ledger,
      'select count(*) as n from ledger.revisions where document_id = $1',
      [SHARED.id],
    );
    const versions = Number(stored?.n);
    expect((data.commitment as { history: unknown[] }).history).toHaveLength(versions);
    expect(data.verifyCommitment).toMatchObject({ verified: true, problem: null, version: versions - 1 });
    for (const unit of ['Query.commitment', 'Commitment.status', 'Commitment.parties'])
      expect(answer.routes[unit]).toEqual({ stage: 'complete', backend: 'target' });
    expect(gateway.output()).toMatch(/the ledger is reached through the QLDB driver/);
  });

  it('keeps bob from a commitment he is no party to, as the in-process ledger does', async () => {
    const alices = DEMO_COMMITMENTS.find(
      (seed) => seed.creator === 'alice' && seed.parties.every((party) => party.username !== 'bob'),
    );
    const answer = await ask(gateway.url, READ, await token('bob'), { id: alices?.id });
    expect(answer.data).toEqual({ commitment: null, verifyCommitment: null });
  });

  it('creates a commitment at complete through the driver: the ledger has it, legacy does not', async () => {
    const before = await revisions();
    const created = await ask(
      gateway.url,
      `mutation { createCommitment(input: { title: "Built over the driver", typeId: "${LOAN}" }) { id status } }`,
      await token('alice'),
    );
    const id = (dataOf(created).createCommitment as { id: string }).id;
    expect(await revisions()).toBe(before + 1);
    expect(await sql(databases.urls.legacy, 'select id from public.commitments where id = $1', [id])).toEqual(
      [],
    );
    const read = await ask(gateway.url, READ, await token('alice'), { id });
    expect(dataOf(read)).toMatchObject({
      commitment: { id, status: 'DRAFT', history: [{ version: 0, commitment: { status: 'DRAFT' } }] },
      verifyCommitment: { version: 0, verified: true },
    });
  });

  it('refuses a write whose stage mirrors it to legacy, and commits nothing', async () => {
    const before = await revisions();
    const answer = await ask(
      gateway.url,
      'mutation ($id: ID!) { updateCommitmentStatus(id: $id, status: CANCELLED) { status } }',
      await token('alice'),
      { id: SHARED.id },
    );
    expect(answer.data).toBeNull();
    expect(answer.errors[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect(answer.errors[0]?.message).toMatch(/LEDGER_DATABASE_URL/);
    expect(await revisions()).toBe(before);
    const [legacy] = await sql(databases.urls.legacy, 'select status from public.commitments where id = $1', [
      SHARED.id,
    ]);
    expect(legacy?.status).not.toBe('CANCELLED');
  });

  it('refuses a subscription that reads the ledger, which tells no changes over the driver', async () => {
    const outcome = await wsOperation(
      gateway.url,
      `subscription { commitmentChanged(id: "${SHARED.id}") { status } }`,
      `Bearer ${await token('alice')}`,
    );
    // The refusal is the operation's one result, with its error; nothing more is sent.
    expect(outcome.kind).toBe('completed');
    const [result] = (
      outcome as { results: Array<{ errors?: Array<{ message: string; extensions?: { code?: unknown } }> }> }
    ).results;
    expect(result?.errors?.[0]?.extensions?.code).toBe('BACKEND_UNAVAILABLE');
    expect(result?.errors?.[0]?.message).toMatch(/QLDB driver/);
  });

  it('reports the ledger on /healthz by its endpoint', async () => {
    const response = await fetch(new URL('/healthz', gateway.url), {
      headers: { authorization: `Bearer ${await token('admin')}` },
    });
    const body = (await response.json()) as { backends: Record<string, { status: string; name: string }> };
    expect(response.status).toBe(200);
    expect(body.backends.ledger).toMatchObject({ status: 'up', name: `ledger (QLDB driver, ${ledger.url})` });
  });

  describe('settings refused at start', () => {
    it.each([
      [
        { LEDGER_DATABASE_URL: 'postgres://127.0.0.1/ledger' },
        2,
        /LEDGER_DATABASE_URL and LEDGER_QLDB_ENDPOINT/,
      ],
      [{ FIGWAY_LEDGER_ACCESS_KEY: '' }, 2, /FIGWAY_LEDGER_ACCESS_KEY is not/],
      [{ FIGWAY_LEDGER_ACCESS_KEY: 'no-colon' }, 2, /FIGWAY_LEDGER_ACCESS_KEY is not one id:secret/],
      [{ OLTP_DATABASE_URL: '' }, 2, /OLTP_DATABASE_URL/],
      [{ LEDGER_QLDB_ENDPOINT: 'ftp://ledger' }, 2, /LEDGER_QLDB_ENDPOINT/],
      [{ FIGWAY_LEDGER_ACCESS_KEY: 'stranger:not-a-listed-key' }, 1, /UnrecognizedClientException/],
    ])('refuses %o (exit %i)', { timeout: 30_000 }, async (overrides, code, message) => {
      const result = await figway(['serve'], { ...env, PORT: '0', ...overrides });
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).not.toMatch(/figway is listening/);
    });
  });
});
