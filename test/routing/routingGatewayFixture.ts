import { afterAll, beforeAll } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { ConnectStore } from '../../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { readCatalogue } from '../../src/routing/flagFiles.ts';
import { type CapturedLogs, captureLogs } from '../support/capturedLogs.ts';
import { flagsWith } from '../support/stageFlags.ts';

export { flagsWith };

const [found] = await testEngines();
if (found === undefined) throw new Error('PGlite is always available');
export const pglite: TestEngine = found;

// Alice, bob and carol are all parties to this one; it is ACTIVE in legacy.
export const SHARED = 'c0000000-0000-4000-8000-000000000003';
export const STATUS = `{ commitment(id: "${SHARED}") { status } }`;
export const MISSING = 'c0000000-0000-4000-8000-00000000dead';

export const betaLive = (unit: string) => ({
  [unit]: [{ selector: { kind: 'cohort' as const, cohort: 'beta' }, stage: 'live' as const }],
});

/** A target whose commitment reads fail, as a ledger whose connection resets. */
export const failingLedger = (store: ConnectStore): ConnectStore => ({
  ...store,
  commitmentsByIds: async () => {
    throw new Error('ledger connection reset');
  },
});

/** The shipped catalogue with `unit` allowed to fall back to legacy when its target fails. */
export async function catalogueFallingBack(unit: string) {
  return (await readCatalogue()).map((entry) =>
    entry.unit === unit ? { ...entry, fallback: 'legacy' as const } : entry,
  );
}

export type Routes = Record<string, { stage: string; backend: string; forced?: true }>;
export const routesOf = (response: { body: { extensions?: Record<string, unknown> } }) =>
  (response.body.extensions?.figway as { routes?: Routes } | undefined)?.routes;

// The ledger tells a different story for SHARED: the side that answered shows in the data.
export async function breachInLedger(gateway: TestGateway) {
  const ledger = gateway.fixture?.ledger;
  const current = await ledger?.current<CommitmentDocument>('commitments', SHARED);
  if (ledger === undefined || current === null || current === undefined)
    throw new Error('no ledger copy of SHARED');
  await ledger.write([
    {
      tableName: 'commitments',
      documentId: SHARED,
      data: { ...current.data, status: 'BREACHED' },
      expectedVersion: current.metadata.version,
    },
  ]);
}

export let gateway: TestGateway;
export let logs: CapturedLogs;

/**
 * Starts one gateway on PGlite with targets, in development, the beta cohort at live for
 * `Commitment.status` and SHARED breached in the ledger, logging warnings into `logs`, for
 * the file that calls it; `gateway` is set once it has run.
 */
export function useRoutingGateway(): void {
  logs = captureLogs('warn');
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      flags: await flagsWith(betaLive('Commitment.status')),
      logger: logs.logger,
    });
    await breachInLedger(gateway);
  });
  afterAll(() => gateway.close());
}
