import { type Comparison, compareEntity } from './compareEntity.ts';
import { countQueuedChanges } from './countQueuedChanges.ts';
import { reconcileAuthority } from './reconcileAuthority.ts';
import { type ReconcileTargets, sidesOf } from './reconcileSides.ts';
import {
  DIVERGENCE_THRESHOLD,
  judgeDivergence,
  type QueuedChanges,
  type ReconcileAuthority,
  type ReconcileEntity,
  type ReconcileOptions,
  type ReconcileResult,
} from './reconcileTypes.ts';
import { repairRows } from './repairRows.ts';
import { readOpenSyncConflicts, resolveSyncConflicts } from './resolveSyncConflicts.ts';

// How figway.sync_conflicts and the mirror's queues name each entity.
const CONFLICT_ENTITY = {
  commitments: 'commitment',
  profiles: 'profile',
  'commitment-types': 'commitment_type',
} as const;

function judge(
  entity: ReconcileEntity,
  comparison: Comparison,
  authority: ReconcileAuthority,
  conflictsResolved: number,
  queued: QueuedChanges,
): ReconcileResult {
  const { compared, rows } = comparison;
  return {
    entity,
    compared,
    divergent: rows.length,
    missingOnTarget: rows.filter((row) => row.missingOn === 'target').length,
    missingOnLegacy: rows.filter((row) => row.missingOn === 'legacy').length,
    divergenceRate: compared === 0 ? 0 : rows.length / compared,
    threshold: DIVERGENCE_THRESHOLD,
    verdict: judgeDivergence(rows.length, compared),
    chunks: comparison.chunks,
    chunksDiffering: comparison.chunksDiffering,
    authority,
    rows,
    conflictsResolved,
    queued,
  };
}

/**
 * Compares legacy with the target for `entity` and judges the divergence; with
 * `repair`, rewrites the non-authoritative side of each divergent row and checks
 * again: the result is then the re-check's, with what the repair did and what the
 * first check found. Either way, the sync conflicts open when the run started are
 * resolved for the rows the last check found equal on both sides: nothing is left
 * to reconcile for them. Last, it counts the entity's changes still in the mirror's
 * queues, which can make the sides differ for a moment.
 */
export async function runReconcile(
  entity: ReconcileEntity,
  targets: ReconcileTargets,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const sides = sidesOf(entity, targets);
  const authority = reconcileAuthority(entity, options.mutationStage);
  const conflicts = entity === 'commitments' ? targets.ledger.db : targets.oltp.db;
  // Read before any comparison: a conflict recorded during the run waits for the next one.
  const open = await readOpenSyncConflicts(conflicts, CONFLICT_ENTITY[entity]);
  const check = () =>
    compareEntity(sides, {
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      onProgress: (progress) => options.onProgress?.({ entity, ...progress }),
      watch: new Set(open.keys()),
    });
  const resolveEqual = (comparison: Comparison) =>
    resolveSyncConflicts(
      conflicts,
      comparison.equal.flatMap((id) => open.get(id) ?? []),
    );
  // Counted at the end: a change still queued then may explain a difference just found.
  const queued = () => countQueuedChanges(targets.legacy, targets.ledger.db, CONFLICT_ENTITY[entity]);
  const first = await check();
  if (options.repair !== true)
    return judge(entity, first, authority, await resolveEqual(first), await queued());
  const outcome =
    first.rows.length === 0
      ? { repaired: [], unrepaired: [] }
      : await repairRows(entity, targets, sides, first.rows, authority);
  const after = first.rows.length === 0 ? first : await check();
  const conflictsResolved = await resolveEqual(after);
  return {
    ...judge(entity, after, authority, conflictsResolved, await queued()),
    repair: { ...outcome, conflictsResolved, before: { divergent: first.rows.length, rows: first.rows } },
  };
}
