import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import type { Database } from '../../core/database.ts';
import { backfillCommitments } from './backfillCommitments.ts';
import { backfillCommitmentTypes, backfillProfiles } from './backfillReferenceData.ts';
import type { BackfillJob, BackfillOptions, BackfillSummary } from './backfillTypes.ts';

/** The databases a backfill reads from and writes to. */
export interface BackfillTargets {
  legacy: Database;
  ledger: Ledger;
  oltp: OltpStore;
}

// The table each job fills. A backfill loads most of a table at once; until autovacuum
// gets to it, the planner would plan reads of the target from an empty table's
// statistics (the ledger's committed view then costs several times what it should).
const FILLED = {
  commitments: (targets: BackfillTargets) => ({ db: targets.ledger.db, table: 'ledger.revisions' }),
  profiles: (targets: BackfillTargets) => ({ db: targets.oltp.db, table: 'oltp.profiles' }),
  'commitment-types': (targets: BackfillTargets) => ({ db: targets.oltp.db, table: 'oltp.commitment_types' }),
} satisfies Record<BackfillJob, unknown>;

function copy(
  job: BackfillJob,
  targets: BackfillTargets,
  options: BackfillOptions,
): Promise<BackfillSummary> {
  switch (job) {
    case 'commitments':
      return backfillCommitments(targets.legacy, targets.ledger, options);
    case 'profiles':
      return backfillProfiles(targets.legacy, targets.oltp, options);
    case 'commitment-types':
      return backfillCommitmentTypes(targets.legacy, targets.oltp, options);
  }
}

/** Runs one backfill job, then refreshes the planner's statistics of the table it filled. */
export async function runBackfill(
  job: BackfillJob,
  targets: BackfillTargets,
  options: BackfillOptions = {},
): Promise<BackfillSummary> {
  const summary = await copy(job, targets, options);
  const { db, table } = FILLED[job](targets);
  try {
    await db.query(`analyze ${table}`);
  } catch (error) {
    // The copy stands; only the statistics wait for autovacuum. Said, not fatal.
    process.emitWarning(
      `figway backfill ${job}: analyze ${table} failed (${error instanceof Error ? error.message : String(error)}); the copy is complete, and the planner's statistics catch up when autovacuum analyzes the table.`,
    );
  }
  return summary;
}
