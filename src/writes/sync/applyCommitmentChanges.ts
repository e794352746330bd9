import { LedgerConflictError } from '../../backends/ledger/ledgerErrors.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { Database, Queryable } from '../../core/database.ts';
import { readAppliedChanges, recordAppliedChanges, recordSyncConflicts } from './appliedChanges.ts';
import { type CommitmentChangePlan, planCommitmentChanges } from './planCommitmentChanges.ts';
import type { CapturedChange, ChangeOutcome } from './syncTypes.ts';

/** Commits the plans of several commitments as one ledger transaction, with their applied-change and conflict rows. */
export async function commitPlans(ledger: Ledger, plans: readonly CommitmentChangePlan[]): Promise<void> {
  const writes = plans.flatMap((plan) => plan.writes);
  const decisions = plans.flatMap((plan) => plan.decisions);
  const record = async (tx: Queryable) => {
    await recordSyncConflicts(
      tx,
      plans.flatMap((plan) => plan.conflicts),
    );
    await recordAppliedChanges(
      tx,
      decisions.map((decision) => decision.id),
    );
  };
  if (writes.length > 0) await ledger.write(writes, record);
  else if (decisions.length > 0) await ledger.db.transaction(record);
}

async function attempt(
  ledger: Ledger,
  legacy: Database,
  entityId: string,
  changes: readonly CapturedChange[],
  openConflict: number | null,
): Promise<ChangeOutcome[]> {
  const plan = await planCommitmentChanges(ledger, legacy, entityId, changes, { openConflict });
  await commitPlans(ledger, [plan]);
  return plan.decisions;
}

/**
 * Brings one commitment's captured changes (in id order) to the ledger: the changes
 * `figway.applied_changes` already records are skipped; the rest are planned against
 * the ledger's current revision (held as conflicts while `openConflict`, the
 * commitment's oldest open conflict, is not null) and committed as one ledger
 * transaction together with their applied-change and conflict rows. When someone
 * wrote the commitment meanwhile (LedgerConflictError), it is planned again once
 * from a fresh read; any other failure leaves every unrecorded change `failed`.
 */
export async function applyCommitmentChanges(
  ledger: Ledger,
  legacy: Database,
  entityId: string,
  changes: readonly CapturedChange[],
  applied: ReadonlySet<number>,
  openConflict: number | null = null,
): Promise<ChangeOutcome[]> {
  const done: ChangeOutcome[] = changes
    .filter((change) => applied.has(change.id))
    .map((change) => ({ id: change.id, result: 'skipped' }));
  const pending = changes.filter((change) => !applied.has(change.id));
  if (pending.length === 0) return done;
  const failed = (error: unknown): ChangeOutcome[] => [
    ...done,
    ...pending.map((change) => ({ id: change.id, result: 'failed' as const, error })),
  ];
  try {
    return [...done, ...(await attempt(ledger, legacy, entityId, pending, openConflict))];
  } catch (error) {
    if (!(error instanceof LedgerConflictError)) return failed(error);
    // Someone wrote the commitment between the read and the write: plan again below.
  }
  try {
    const appliedMeanwhile = await readAppliedChanges(
      ledger.db,
      pending.map((change) => change.id),
    );
    const retried = await attempt(
      ledger,
      legacy,
      entityId,
      pending.filter((change) => !appliedMeanwhile.has(change.id)),
      openConflict,
    );
    const skipped = [...appliedMeanwhile].map((id) => ({ id, result: 'skipped' as const }));
    return [...done, ...skipped, ...retried];
  } catch (error) {
    return failed(error);
  }
}
