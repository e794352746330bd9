import { afterAll, beforeAll } from 'vitest';
import type { TestEngine } from '../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../harness/targetDatabases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../src/backends/supabase/seed/demoUsers.ts';
import type { Stage } from '../../src/core/stage.ts';
import type { ReconcileEntity, ReconcileResult } from '../../src/writes/reconcile/reconcileTypes.ts';
import { runReconcile } from '../../src/writes/reconcile/runReconcile.ts';

export const ALICE = DEMO_USERS[0]?.id ?? '';
export const BOB = DEMO_USERS[1]?.id ?? '';
const SORTED = DEMO_COMMITMENTS.map((commitment) => commitment.id).sort();
/** The id of the demo commitment at `index` in id order. */
export const idAt = (index: number) => SORTED[index] ?? '';
export const NOTHING_QUEUED = { toTarget: { pending: 0, dead: 0 }, toLegacy: { pending: 0, dead: 0 } };

export let fixture: MigrationFixture;

/**
 * Creates a seeded legacy database and ledger and OLTP stores backfilled from it on `engine`,
 * for the describe that calls it; `fixture` is set once it has run.
 */
export function useReconcileDatabases(engine: TestEngine): void {
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine, { backfill: true });
  }, 120_000);
  afterAll(() => fixture?.drop());
}

export function reconcile(
  fixture: MigrationFixture,
  entity: ReconcileEntity,
  options: { repair?: boolean; mutationStage?: Stage; chunkSize?: number } = {},
): Promise<ReconcileResult> {
  return runReconcile(
    entity,
    { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp },
    { mutationStage: 'legacy', ...options },
  );
}

export async function onLedger(fixture: MigrationFixture, id: string): Promise<CommitmentDocument> {
  const current = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (current === null) throw new Error(`the ledger has no commitment ${id}`);
  return current.data;
}

/** Writes a new ledger revision of `id` changed by `change`, as a target write would. */
export async function changeOnLedger(
  fixture: MigrationFixture,
  id: string,
  change: (document: CommitmentDocument) => CommitmentDocument,
) {
  const current = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (current === null) throw new Error(`the ledger has no commitment ${id}`);
  await fixture.ledger.write([
    {
      tableName: COMMITMENTS,
      documentId: id,
      data: change(current.data),
      expectedVersion: current.metadata.version,
    },
  ]);
}

export async function revisions(fixture: MigrationFixture, id: string) {
  return (await fixture.ledger.history<CommitmentDocument>(COMMITMENTS, id)).map((revision) => ({
    version: revision.metadata.version,
    hash: revision.hash,
  }));
}

export async function legacyStatus(fixture: MigrationFixture, id: string): Promise<unknown> {
  const [row] = await fixture.legacy.query('select status from public.commitments where id = $1', [id]);
  return row?.status;
}
