import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { post, type ServiceProcess, serviceTokens, startService } from './serviceProcess.ts';

export const ALICE_AND_CAROL = 'c0000000-0000-4000-8000-000000000001';
export const BOB_AND_DAVE = 'c0000000-0000-4000-8000-000000000002';
export const ALICE_BOB_CAROL = 'c0000000-0000-4000-8000-000000000003';
export const UNKNOWN = 'c0000000-0000-4000-8000-00000000ffff';
export const LOAN = '7e000000-0000-4000-8000-000000000001';
export const ALICE = 'a11ce000-0000-4000-8000-000000000001';
export const BOB = 'b0b00000-0000-4000-8000-000000000002';
export const CAROL = 'ca201000-0000-4000-8000-000000000003';
export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export const COMMITMENT_FIELDS = `id title status version createdAt type { id } createdBy { id }
  parties { id commitmentId role profile { id } }
  documents { commitmentId name version uploadedBy { id } }
  history { commitmentId version commitment { status } }`;

export interface Commitment {
  id: string;
  status: string;
  version: number;
  createdAt: string;
  type: { id: string };
  createdBy: { id: string };
  parties: Array<{ commitmentId: string; role: string; profile: { id: string } }>;
  documents: Array<{ commitmentId: string; name: string; version: number }>;
  history: Array<{ commitmentId: string; version: number; commitment: { status: string } }>;
}

export let databases: ProductionDatabases;
export let service: ServiceProcess;
export let tokens: Awaited<ReturnType<typeof serviceTokens>>;

export async function revisionCount(): Promise<number> {
  const client = new pg.Client({ connectionString: databases.urls.ledger });
  await client.connect();
  try {
    return Number((await client.query('select count(*) as n from ledger.revisions')).rows[0]?.n);
  } finally {
    await client.end();
  }
}

export async function metricsText(): Promise<string> {
  return (await fetch(new URL('/metrics', service.url))).text();
}

export async function commitmentsByIds(ids: string[], token?: string): Promise<Commitment[]> {
  const answer = await post(
    service.url,
    `query ($ids: [ID!]!) { commitmentsByIds(ids: $ids) { ${COMMITMENT_FIELDS} } }`,
    {
      variables: { ids },
      ...(token === undefined ? {} : { token }),
    },
  );
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data?.commitmentsByIds as Commitment[];
}

/**
 * Starts `figway service ledger` as a process on fresh PostgreSQL databases for the file
 * that calls it; the bindings above are set once it has run.
 */
export function useLedgerService(): void {
  beforeAll(async () => {
    databases = await createProductionDatabases();
    tokens = await serviceTokens();
    service = await startService('ledger', {
      NODE_ENV: 'production',
      LEDGER_DATABASE_URL: databases.urls.ledger,
      ...tokens.env,
    });
  }, 120_000);

  afterAll(async () => {
    const code = await service?.stop();
    await databases?.drop();
    expect(code).toBe(0);
  });
}
