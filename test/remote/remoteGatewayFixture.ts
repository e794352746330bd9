import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { type ServiceProcess, serviceTokens, startService } from '../services/serviceProcess.ts';
import type { ServeProcess } from '../support/figwayProcess.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { type RemoteGateways, remoteGateways } from './remoteDeployment.ts';

export const ALICE_AND_CAROL = 'c0000000-0000-4000-8000-000000000001';
export const LOAN = '7e000000-0000-4000-8000-000000000001';
// The services answer only callers that send it; the gateways send it.
export const SERVICE_KEY = randomBytes(32).toString('hex');
export const WITH_KEY = { 'figway-service-key': SERVICE_KEY };

// Every read unit of the Connect schema at least once.
export const DASHBOARD = `query Dashboard {
  me { username displayName avatarUrl createdAt }
  commitmentTypes { id name description }
  commitments(first: 5) {
    edges { node { id title status type { name } createdBy { username }
      parties { role profile { username displayName } } documents { name version } } }
  }
}`;

export const LIST = `query List($first: Int!) {
  commitments(first: $first) {
    edges { node { id title status type { name } createdBy { username }
      parties { role profile { displayName } } documents { name } } }
  }
}`;

// A target service written apart from figway: a plain Apollo server that implements
// only the OLTP contract's commitment types, with names of its own.
export const CUSTOM_SDL = `
  type CommitmentType { id: ID! name: String! description: String! }
  type Query { commitmentTypes: [CommitmentType!]! commitmentTypesByIds(ids: [ID!]!): [CommitmentType!]! }
`;
export const CUSTOM_TYPES = [
  { id: LOAN, name: 'Loan (custom service)', description: 'Served by a service figway did not write.' },
  {
    id: '7e000000-0000-4000-8000-000000000002',
    name: 'Service (custom service)',
    description: 'Also custom.',
  },
];

export let databases: ProductionDatabases;
export let tokens: Awaited<ReturnType<typeof serviceTokens>>;
export let serviceEnv: Record<string, Record<string, string>>;
export let ledger: ServiceProcess;
export let oltp: ServiceProcess;
export let gateways: RemoteGateways;
export let gateway: ServeProcess;

/** The OLTP service started again in its place (a test stops and restarts it); stopped after all. */
export function replaceOltp(service: ServiceProcess): void {
  oltp = service;
}

/**
 * Starts the ledger and OLTP services (behind SERVICE_KEY) and a figway gateway over them,
 * as processes on fresh PostgreSQL databases, for the file that calls it; the bindings
 * above are set once it has run.
 */
export function useRemoteGateway(): void {
  beforeAll(async () => {
    databases = await createProductionDatabases();
    tokens = await serviceTokens();
    serviceEnv = {
      ledger: {
        NODE_ENV: 'production',
        LEDGER_DATABASE_URL: databases.urls.ledger,
        FIGWAY_SERVICE_KEY: SERVICE_KEY,
        ...tokens.env,
      },
      oltp: {
        NODE_ENV: 'production',
        OLTP_DATABASE_URL: databases.urls.oltp,
        FIGWAY_SERVICE_KEY: SERVICE_KEY,
        ...tokens.env,
      },
    };
    [ledger, oltp] = await Promise.all([
      startService('ledger', serviceEnv.ledger ?? {}),
      startService('oltp', serviceEnv.oltp ?? {}),
    ]);
    gateways = await remoteGateways(databases, { ...tokens.env, FIGWAY_SERVICE_KEY: SERVICE_KEY });
    gateway = await gateways.start({ ledger: ledger.url, oltp: oltp.url });
  }, 180_000);

  afterAll(async () => {
    await gateways?.close();
    const codes = await Promise.all([ledger?.stop(), oltp?.stop()]);
    await databases?.drop();
    expect(codes).toEqual([0, 0]);
  });
}
