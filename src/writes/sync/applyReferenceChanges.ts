import {
  deleteCommitmentTypes,
  deleteProfiles,
  upsertCommitmentTypes,
  upsertProfiles,
} from '../../backends/oltp/oltpWrites.ts';
import { toCommitmentType, toProfile } from '../../backends/supabase/rows.ts';
import type { Database, Queryable } from '../../core/database.ts';
import { recordAppliedChanges } from './appliedChanges.ts';
import type { CapturedChange, ChangeOutcome } from './syncTypes.ts';

/** What one profile's or commitment type's changes do to the OLTP service. */
interface ReferencePlan {
  /** The changes not applied before, all recorded as applied by the write. */
  pending: readonly CapturedChange[];
  /** The change whose row is written, and the write; null when nothing is written. */
  winner: { id: number; write: (tx: Queryable) => Promise<number> } | null;
}

// Mapping happens here, before any transaction, so a malformed row fails its entity alone.
function writeOf(change: CapturedChange): (tx: Queryable) => Promise<number> {
  const id = change.entityId;
  if (change.entity === 'profile') {
    if (change.operation === 'DELETE') return (tx) => deleteProfiles(tx, [id]);
    const profile = toProfile(change.rowData);
    if (profile.id !== id) throw new Error(`change ${change.id} does not hold the profile ${id}`);
    return (tx) => upsertProfiles(tx, [profile]);
  }
  if (change.entity === 'commitment_type') {
    if (change.operation === 'DELETE') return (tx) => deleteCommitmentTypes(tx, [id]);
    const type = toCommitmentType(change.rowData);
    if (type.id !== id) throw new Error(`change ${change.id} does not hold the commitment type ${id}`);
    return (tx) => upsertCommitmentTypes(tx, [type]);
  }
  throw new Error(`change ${change.id} of ${change.entity} ${id} does not belong to the OLTP service`);
}

// The latest captured row is the entity's state on legacy; the earlier ones are
// superseded. When the latest is applied already, or an echo of figway's own
// mirror, there is nothing to write.
function planReference(changes: readonly CapturedChange[], applied: ReadonlySet<number>): ReferencePlan {
  const pending = changes.filter((change) => !applied.has(change.id));
  const latest = changes.at(-1);
  if (latest === undefined || applied.has(latest.id) || latest.origin === 'mirror') {
    return { pending, winner: null };
  }
  return { pending, winner: { id: latest.id, write: writeOf(latest) } };
}

async function run(tx: Queryable, plan: ReferencePlan): Promise<ChangeOutcome[]> {
  const changed = plan.winner === null ? 0 : await plan.winner.write(tx);
  await recordAppliedChanges(
    tx,
    plan.pending.map((change) => change.id),
  );
  return plan.pending.map((change) => ({
    id: change.id,
    result: change.id === plan.winner?.id && changed > 0 ? 'applied' : 'skipped',
  }));
}

const failedAll = (plan: ReferencePlan, error: unknown): ChangeOutcome[] =>
  plan.pending.map((change) => ({ id: change.id, result: 'failed', error }));

/**
 * Brings captured profile and commitment-type changes to the OLTP service: per
 * entity the latest captured row wins (an INSERT or UPDATE is upserted, a DELETE
 * deletes). Everything commits in one OLTP transaction with the applied-change
 * rows; when that fails, each entity is committed alone, so one that cannot be
 * applied fails by itself. `groups` holds each entity's changes in id order.
 */
export async function applyReferenceChanges(
  oltp: Database,
  groups: ReadonlyArray<readonly CapturedChange[]>,
  applied: ReadonlySet<number>,
  onFallback?: (error: unknown) => void,
): Promise<ChangeOutcome[]> {
  const outcomes: ChangeOutcome[] = [];
  const plans: ReferencePlan[] = [];
  for (const changes of groups) {
    outcomes.push(
      ...changes
        .filter((change) => applied.has(change.id))
        .map((change) => ({ id: change.id, result: 'skipped' as const })),
    );
    try {
      const plan = planReference(changes, applied);
      if (plan.pending.length > 0) plans.push(plan);
    } catch (error) {
      outcomes.push(
        ...changes
          .filter((change) => !applied.has(change.id))
          .map((change) => ({ id: change.id, result: 'failed' as const, error })),
      );
    }
  }
  if (plans.length === 0) return outcomes;
  try {
    const all = await oltp.transaction(async (tx) => {
      const done: ChangeOutcome[] = [];
      for (const plan of plans) done.push(...(await run(tx, plan)));
      return done;
    });
    return [...outcomes, ...all];
  } catch (error) {
    // One entity spoiled the transaction: each is committed alone below, and the
    // one that fails again carries its error in its outcomes.
    onFallback?.(error);
    for (const plan of plans) {
      try {
        outcomes.push(...(await oltp.transaction((tx) => run(tx, plan))));
      } catch (error) {
        outcomes.push(...failedAll(plan, error));
      }
    }
    return outcomes;
  }
}
