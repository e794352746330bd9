import { afterAll, beforeAll } from 'vitest';
import type { TestEngine } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import {
  createLedgerCommitments,
  type LedgerCommitments,
} from '../../../src/backends/ledger/ledgerCommitments.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import { DEMO_USERS } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import type { Row } from '../../../src/core/database.ts';
import { BACKFILL_JOBS } from '../../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../../src/writes/backfill/runBackfill.ts';
import { toOutboxEntry } from '../../../src/writes/sync/queueRows.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import type { OutboxEntry } from '../../../src/writes/sync/syncTypes.ts';
import { userViewer } from '../../backends/ledger/commitmentLedgerFixture.ts';

export const LIVE = { unit: 'Mutation.updateCommitmentStatus', stage: 'live', mirrorTo: 'legacy' } as const;

export function userId(username: string): string {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user.id;
}

export function viewerOf(username: string): Viewer {
  return userViewer(userId(username));
}

// A timestamptz column as the ISO string the ledger writes (pg and PGlite give a Date).
export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : `not a timestamp: ${String(value)}`;
}

export let fixture: MigrationFixture;
export let commitments: LedgerCommitments;

/**
 * Creates a seeded legacy database with change capture and ledger and OLTP stores backfilled
 * from it, the ledger with the outbox, on `engine`, for the describe that calls it; `fixture`
 * and `commitments` (the ledger's commitment store) are set once it has run.
 */
export function useApplyOutboxDatabases(engine: TestEngine): void {
  beforeAll(async () => {
    fixture = await createMigrationFixture(engine);
    await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    for (const job of BACKFILL_JOBS) {
      await runBackfill(job, { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp });
    }
    commitments = createLedgerCommitments(fixture.ledger);
  }, 180_000);
  afterAll(() => fixture?.drop());
}

export async function outboxOf(id: string): Promise<OutboxEntry[]> {
  const rows = await fixture.ledger.db.query('select * from figway.outbox where entity_id = $1 order by id', [
    id,
  ]);
  return rows.map(toOutboxEntry);
}

export async function newestRevision(id: string) {
  const revision = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
  if (revision === null) throw new Error(`the ledger has no commitment ${id}`);
  return revision;
}

export async function legacyCommitment(id: string): Promise<Row | undefined> {
  const [row] = await fixture.legacy.query('select * from public.commitments where id = $1', [id]);
  return row;
}

export async function legacyChildren(table: 'commitment_parties' | 'commitment_documents', id: string) {
  return fixture.legacy.query(`select * from public.${table} where commitment_id = $1 order by id`, [id]);
}

export async function lastChangeId(): Promise<number> {
  const [row] = await fixture.legacy.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
  return Number(row?.id);
}

export async function changesSince(since: number, id: string) {
  return fixture.legacy.query('select * from figway.legacy_changes where id > $1 and entity_id = $2', [
    since,
    id,
  ]);
}
