import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import type { Database } from '../../core/database.ts';
import { readAppliedChanges, readOpenConflicts } from './appliedChanges.ts';
import { applyCommitmentChanges, commitPlans } from './applyCommitmentChanges.ts';
import { applyReferenceChanges } from './applyReferenceChanges.ts';
import { type CommitmentChangePlan, planCommitmentChanges } from './planCommitmentChanges.ts';
import type { CapturedChange, ChangeOutcome } from './syncTypes.ts';

/** What the legacy applier reads and writes: legacy (read only), the ledger and the OLTP service. */
export interface LegacyApplierDeps {
  legacy: Database;
  ledger: Ledger;
  oltp: OltpStore;
  /** Hears why a batch was applied one entity at a time instead (the entity that failed again says it too). */
  onFallback?: (error: unknown) => void;
}

/** Each entity's changes, in id order; entities in the order of their first change. */
function groupByEntity(changes: readonly CapturedChange[]): CapturedChange[][] {
  const groups = new Map<string, CapturedChange[]>();
  for (const change of changes) {
    const key = `${change.entity}\u0000${change.entityId}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [change]);
    else group.push(change);
  }
  return [...groups.values()].map((group) => group.sort((a, b) => a.id - b.id));
}

// One query per database (the ledger's and the OLTP service's are one in the
// embedded default). A database that cannot answer fails the changes bound for it.
async function readApplied(
  targets: ReadonlyArray<{ db: Database; changes: readonly CapturedChange[] }>,
  outcomes: Map<number, ChangeOutcome>,
): Promise<Set<number>> {
  const byDatabase = new Map<Database, CapturedChange[]>();
  for (const { db, changes } of targets) byDatabase.set(db, [...(byDatabase.get(db) ?? []), ...changes]);
  const applied = new Set<number>();
  for (const [db, changes] of byDatabase) {
    if (changes.length === 0) continue;
    try {
      const ids = await readAppliedChanges(
        db,
        changes.map((change) => change.id),
      );
      for (const id of ids) applied.add(id);
    } catch (error) {
      for (const change of changes) outcomes.set(change.id, { id: change.id, result: 'failed', error });
    }
  }
  return applied;
}

// Every commitment of the batch in one ledger transaction (one block, one strand
// lock): appliers keep up with many writers. When that transaction fails, or a
// commitment cannot be planned, each commitment is applied on its own, so one that
// fails leaves the others applied.
async function applyCommitmentGroups(
  deps: LegacyApplierDeps,
  groups: readonly CapturedChange[][],
  applied: ReadonlySet<number>,
): Promise<ChangeOutcome[]> {
  const outcomes: ChangeOutcome[] = [];
  const planned: Array<{ group: CapturedChange[]; plan: CommitmentChangePlan }> = [];
  const alone: CapturedChange[][] = [];
  // One read of the current revisions, and one of the open conflicts, for the whole batch.
  const ids = groups.flatMap((group) => (group[0] === undefined ? [] : [group[0].entityId]));
  const current = await deps.ledger.currentOf<CommitmentDocument>(COMMITMENTS, ids);
  const openConflicts = await readOpenConflicts(deps.ledger.db, ids);
  for (const group of groups) {
    for (const change of group.filter((candidate) => applied.has(candidate.id)))
      outcomes.push({ id: change.id, result: 'skipped' });
    const pending = group.filter((change) => !applied.has(change.id));
    const [first] = pending;
    if (first === undefined) continue;
    try {
      planned.push({
        group: pending,
        plan: await planCommitmentChanges(deps.ledger, deps.legacy, first.entityId, pending, {
          current: current.get(first.entityId) ?? null,
          openConflict: openConflicts.get(first.entityId) ?? null,
        }),
      });
    } catch (error) {
      // Planned again, and failed with its error, on its own below.
      deps.onFallback?.(error);
      alone.push(pending);
    }
  }
  if (planned.length === 1) alone.push(...planned.map((entry) => entry.group));
  else if (planned.length > 1) {
    try {
      await commitPlans(
        deps.ledger,
        planned.map((entry) => entry.plan),
      );
      for (const { plan } of planned) outcomes.push(...plan.decisions);
    } catch (error) {
      // Some commitment spoiled the block (a conflict, a refused row, a lost connection): one by one below.
      deps.onFallback?.(error);
      alone.push(...planned.map((entry) => entry.group));
    }
  }
  for (const group of alone) {
    const [first] = group;
    if (first === undefined) continue;
    outcomes.push(
      ...(await applyCommitmentChanges(
        deps.ledger,
        deps.legacy,
        first.entityId,
        group,
        applied,
        openConflicts.get(first.entityId) ?? null,
      )),
    );
  }
  return outcomes;
}

/**
 * Applies changes captured on legacy (already claimed, in id order, possibly of
 * several entities) to their targets: commitments to the ledger, profiles and
 * commitment types to the OLTP service. Entities are applied independently, so one
 * that fails leaves the others applied. Idempotent: a change recorded in
 * `figway.applied_changes` is skipped, and every change decided here is recorded
 * there in the transaction that applies it. Echoes of figway's own mirror (origin
 * `mirror`) are skipped. A commitment with an open row in `figway.sync_conflicts`
 * (read for the whole batch at once) gets none of legacy's changes: each is recorded
 * as a conflict that waits on it. Returns one outcome per change, in the order given.
 */
export async function applyLegacyChanges(
  deps: LegacyApplierDeps,
  changes: readonly CapturedChange[],
): Promise<ChangeOutcome[]> {
  const outcomes = new Map<number, ChangeOutcome>();
  const commitments = changes.filter((change) => change.entity === 'commitment');
  const references = changes.filter((change) => change.entity !== 'commitment');
  const applied = await readApplied(
    [
      { db: deps.ledger.db, changes: commitments },
      { db: deps.oltp.db, changes: references },
    ],
    outcomes,
  );
  const unread = (change: CapturedChange) => !outcomes.has(change.id);
  for (const outcome of await applyCommitmentGroups(
    deps,
    groupByEntity(commitments.filter(unread)),
    applied,
  )) {
    outcomes.set(outcome.id, outcome);
  }
  const referenceGroups = groupByEntity(references.filter(unread));
  for (const outcome of await applyReferenceChanges(
    deps.oltp.db,
    referenceGroups,
    applied,
    deps.onFallback,
  )) {
    outcomes.set(outcome.id, outcome);
  }
  return changes.map(
    (change) =>
      outcomes.get(change.id) ?? {
        id: change.id,
        result: 'failed',
        error: new Error(`change ${change.id} was given no outcome`),
      },
  );
}
