import { afterAll, beforeAll } from 'vitest';
import type { TestEngine } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import { findDemoUser } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import type { Database } from '../../../src/core/database.ts';
import { currentCommitment } from '../../../src/writes/backfill/replayCommitmentHistory.ts';
import type { LegacyApplierDeps } from '../../../src/writes/sync/applyLegacyChanges.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import type { CapturedChange } from '../../../src/writes/sync/syncTypes.ts';

export const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };
export const ALICE = findDemoUser('alice')?.id ?? '';
export const BOB = findDemoUser('bob')?.id ?? '';

export async function revisionCount(ledger: Ledger, id: string): Promise<number> {
  return (await ledger.history(COMMITMENTS, id)).length;
}

export async function current(ledger: Ledger, id: string): Promise<CommitmentDocument> {
  const revision = await ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (revision === null) throw new Error(`the ledger has no commitment ${id}`);
  return revision.data;
}

/**
 * A write the target served: commitment `id` moves on to its next version in the
 * ledger, FULFILLED there; resolves with that version.
 */
export async function fulfilledOnTarget(ledger: Ledger, id: string): Promise<number> {
  const stored = await ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (stored === null) throw new Error('not backfilled');
  const version = stored.data.version + 1;
  await ledger.write([
    {
      tableName: COMMITMENTS,
      documentId: id,
      data: { ...stored.data, status: 'FULFILLED', version },
      expectedVersion: stored.metadata.version,
    },
  ]);
  return version;
}

export async function legacyCommitment(legacy: Database, id: string): Promise<CommitmentDocument> {
  const [commitment] = await legacy.query('select * from public.commitments where id = $1', [id]);
  if (commitment === undefined) throw new Error(`legacy has no commitment ${id}`);
  const parties = await legacy.query('select * from public.commitment_parties where commitment_id = $1', [
    id,
  ]);
  const documents = await legacy.query('select * from public.commitment_documents where commitment_id = $1', [
    id,
  ]);
  return currentCommitment(commitment, parties, documents);
}

export async function recordedAsApplied(db: Database, ids: readonly number[]): Promise<number[]> {
  const rows = await db.query(
    'select change_id from figway.applied_changes where change_id = any($1::bigint[]) order by change_id',
    [ids],
  );
  return rows.map((row) => Number(row.change_id));
}

export const ids = (changes: readonly CapturedChange[]) => changes.map((change) => change.id);
export const outcomesOf = (changes: readonly CapturedChange[], result: string) =>
  changes.map((change) => ({ id: change.id, result }));

export let fixture: MigrationFixture;
export let deps: LegacyApplierDeps;

/**
 * Creates a seeded legacy database with change capture and ledger and OLTP stores backfilled
 * from it, both with the sync tables, on `engine`, for the describe that calls it; `fixture`
 * and `deps` (what the applier writes through) are set once it has run.
 */
export function useApplyLegacyChangesDatabases(engine: TestEngine): void {
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine, { backfill: true });
    await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    await applyMigrations(fixture.oltp.db, SYNC_MIGRATIONS);
    deps = { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp };
  });
  afterAll(() => fixture?.drop());
}
