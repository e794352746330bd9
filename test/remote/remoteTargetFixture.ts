import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { openRemoteTargets, type RemoteTargets } from '../../src/backends/remote/openRemoteTargets.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { BackendEvents } from '../../src/core/database.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { ISSUER, type ServiceProcess, serviceTokens, startService } from '../services/serviceProcess.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';

export const ALICE_AND_CAROL = 'c0000000-0000-4000-8000-000000000001';
export const BOB_AND_DAVE = 'c0000000-0000-4000-8000-000000000002';
export const ALICE = 'a11ce000-0000-4000-8000-000000000001';
export const BOB = 'b0b00000-0000-4000-8000-000000000002';
export const DAVE = 'da7e0000-0000-4000-8000-000000000004';
export const LOAN = '7e000000-0000-4000-8000-000000000001';
export const UNKNOWN = 'ffffffff-0000-4000-8000-000000000000';

export interface SentRequest {
  url: string;
  authorization: string | null;
  body: string;
}

export let databases: ProductionDatabases;
export let ledger: ServiceProcess;
export let oltp: ServiceProcess;
export let tokens: Awaited<ReturnType<typeof serviceTokens>>;
export let remote: RemoteTargets;
export let viewers: { alice: Viewer; bob: Viewer };
export const sent: SentRequest[] = [];
export const verify = () =>
  createBearerVerifier(
    { kind: 'secret', secret: tokens.secret },
    { audience: 'authenticated', issuer: ISSUER },
  );

// Every HTTP request the executors send, with the headers they carry.
const countingFetch: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  sent.push({ url: String(input), authorization: headers.get('authorization'), body: String(init?.body) });
  return fetch(input, init);
};

export function sentTo(service: ServiceProcess): SentRequest[] {
  return sent.filter((request) => request.url === service.url);
}

export function recordingEvents() {
  const failures: Array<{ code: unknown; during: string }> = [];
  let timeouts = 0;
  const events: BackendEvents = {
    backendFailed: (error, during) => failures.push({ code: (error as { code?: unknown }).code, during }),
    timedOut: () => {
      timeouts++;
    },
  };
  return { events, failures, timeouts: () => timeouts };
}

export async function sqlOnLedger(text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: databases.urls.ledger });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

export const outboxRows = (entityId: string) =>
  sqlOnLedger('select unit, stage from figway.outbox where entity_id = $1', [entityId]);

// A service that reads the request and then never answers.
export async function silentService(): Promise<{ url: string; server: Server }> {
  const server = createServer((request) => request.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server };
}

/**
 * Starts the ledger and OLTP services as processes on fresh PostgreSQL databases and opens
 * the remote target store over them (every HTTP request it sends recorded in `sent`), for
 * the file that calls it; the bindings above are set once it has run.
 */
export function useRemoteTargetServices(): void {
  beforeAll(async () => {
    databases = await createProductionDatabases();
    tokens = await serviceTokens();
    [ledger, oltp] = await Promise.all([
      startService('ledger', {
        NODE_ENV: 'production',
        LEDGER_DATABASE_URL: databases.urls.ledger,
        ...tokens.env,
      }),
      startService('oltp', { NODE_ENV: 'production', OLTP_DATABASE_URL: databases.urls.oltp, ...tokens.env }),
    ]);
    remote = await openRemoteTargets({
      ledger: { url: ledger.url, timeoutMs: 5000 },
      oltp: { url: oltp.url, timeoutMs: 5000 },
      fetch: countingFetch,
    });
    viewers = {
      alice: await verify()(`Bearer ${tokens.alice}`),
      bob: await verify()(`Bearer ${tokens.bob}`),
    };
  }, 120_000);

  afterAll(async () => {
    await remote?.close();
    const codes = await Promise.all([ledger?.stop(), oltp?.stop()]);
    await databases?.drop();
    expect(codes).toEqual([0, 0]);
  });
}
