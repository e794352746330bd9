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

/** Runs one backfill job. */
export function runBackfill(
  job: BackfillJob,
  targets: BackfillTargets,
  options: BackfillOptions = {},
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
