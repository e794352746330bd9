import type { CommitmentTypeRecord, ProfileRecord } from '../../backends/connectStore.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { LedgerConflictError } from '../../backends/ledger/ledgerErrors.ts';
import { deleteCommitmentTypes, deleteProfiles } from '../../backends/oltp/oltpWrites.ts';
import { writeCommitmentToLegacy } from '../sync/writeToLegacy.ts';
import { canonicalJson, type SideRecord } from './canonicalRecord.ts';
import { legacyCommitmentsIn, type ReconcileSides, type ReconcileTargets } from './reconcileSides.ts';
import type { DivergentRow, ReconcileAuthority, ReconcileEntity, RepairReport } from './reconcileTypes.ts';

/** What a repair pass did, before conflicts are resolved and the sides checked again. */
export type RepairOutcome = Pick<RepairReport, 'repaired' | 'unrepaired'>;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Each row is repaired on its own, so one that fails (a concurrent writer, a
// constraint) is named in the report and the others are still repaired.
async function eachRow(
  ids: readonly string[],
  outcome: RepairOutcome,
  repair: (id: string) => Promise<string | null>,
): Promise<void> {
  for (const id of ids) {
    try {
      const refused = await repair(id);
      if (refused === null) outcome.repaired.push(id);
      else outcome.unrepaired.push({ id, reason: refused });
    } catch (error) {
      outcome.unrepaired.push({ id, reason: message(error) });
    }
  }
}

async function recordsById(side: ReconcileSides['legacy'], ids: readonly string[]) {
  return new Map((await side.byIds(ids)).map((record) => [record.id, record] as [string, SideRecord]));
}

async function recordOf(side: ReconcileSides['legacy'], id: string): Promise<SideRecord | undefined> {
  return (await side.byIds([id])).find((record) => record.id === id);
}

// Why a row is left alone when a write mirrored meanwhile reached the side being rewritten.
const moved = (side: string) =>
  `${side} changed while it was repaired (a write mirrored meanwhile); left for the next reconcile`;

// Legacy counts: the ledger gets a new revision holding legacy's state, at the
// version it holds now; history is never rewritten. Each row reads the ledger's
// version before legacy: a legacy change the applier brings to the ledger after that
// read makes the write stale, and the ledger refuses it, so it is never undone.
async function ledgerFromLegacy(
  targets: ReconcileTargets,
  sides: ReconcileSides,
  ids: string[],
  outcome: RepairOutcome,
) {
  await eachRow(ids, outcome, async (id) => {
    const current = await targets.ledger.current<CommitmentDocument>(COMMITMENTS, id);
    const document = await recordOf(sides.legacy, id);
    if (document === undefined) return 'legacy no longer holds it';
    try {
      await targets.ledger.write([
        {
          tableName: COMMITMENTS,
          documentId: id,
          data: document,
          expectedVersion: current?.metadata.version ?? null,
        },
      ]);
    } catch (error) {
      if (error instanceof LedgerConflictError) return moved('the ledger');
      throw error;
    }
    return null;
  });
}

// The ledger counts: legacy's rows of the commitment are made exactly its newest revision,
// even over a newer legacy version, and lose the parties and documents it lacks. Each row
// reads legacy, then the ledger (outside the legacy transaction: in the embedded default
// both are one PGlite connection), then, with legacy's commitment row locked against the
// mirror's writers, reads legacy again: when a mirrored write reached it in between, the
// revision read may lack what that write brought, and the row is left alone.
async function legacyFromLedger(
  targets: ReconcileTargets,
  sides: ReconcileSides,
  ids: string[],
  outcome: RepairOutcome,
) {
  await eachRow(ids, outcome, async (id) => {
    const seen = canonicalJson(await recordOf(sides.legacy, id));
    const document = await recordOf(sides.target, id);
    if (document === undefined) return 'the ledger no longer holds it';
    return targets.legacy.transaction(async (tx) => {
      await tx.query('select 1 from public.commitments where id = $1 for update', [id]);
      const [now] = await legacyCommitmentsIn(tx, 'id = $1', [id]);
      if (canonicalJson(now) !== seen) return moved('legacy');
      await writeCommitmentToLegacy(tx, document as CommitmentDocument, { actor: null, exact: true });
      return null;
    });
  });
}

// Legacy counts for reference data: the OLTP service gets legacy's rows, and loses
// the rows legacy does not have.
async function oltpFromLegacy(
  entity: 'profiles' | 'commitment-types',
  targets: ReconcileTargets,
  sides: ReconcileSides,
  rows: readonly DivergentRow[],
  outcome: RepairOutcome,
) {
  const { oltp } = targets;
  const extra = rows.filter((row) => row.missingOn === 'legacy').map((row) => row.id);
  await eachRow(extra, outcome, async (id) => {
    await (entity === 'profiles' ? deleteProfiles(oltp.db, [id]) : deleteCommitmentTypes(oltp.db, [id]));
    return null;
  });
  const ids = rows.filter((row) => row.missingOn !== 'legacy').map((row) => row.id);
  const legacy = await recordsById(sides.legacy, ids);
  await eachRow(ids, outcome, async (id) => {
    const record = legacy.get(id);
    if (record === undefined) return 'legacy no longer holds it';
    if (entity === 'profiles') await oltp.upsertProfiles([record as ProfileRecord]);
    else await oltp.upsertCommitmentTypes([record as CommitmentTypeRecord]);
    return null;
  });
}

/**
 * Rewrites the non-authoritative side of each divergent row from the authoritative
 * one: a new ledger revision with legacy's state, legacy's rows from the ledger's
 * newest revision (marked as the mirror's), or the OLTP service's rows from legacy.
 * A commitment the authoritative side lacks is left alone and reported: the ledger
 * keeps every revision, and figway deletes nothing from legacy.
 */
export async function repairRows(
  entity: ReconcileEntity,
  targets: ReconcileTargets,
  sides: ReconcileSides,
  rows: readonly DivergentRow[],
  authority: ReconcileAuthority,
): Promise<RepairOutcome> {
  const outcome: RepairOutcome = { repaired: [], unrepaired: [] };
  if (entity !== 'commitments') {
    await oltpFromLegacy(entity, targets, sides, rows, outcome);
    return outcome;
  }
  const lacking = authority.side === 'legacy' ? 'legacy' : 'target';
  for (const row of rows.filter((candidate) => candidate.missingOn === lacking)) {
    outcome.unrepaired.push({
      id: row.id,
      reason:
        lacking === 'legacy'
          ? 'legacy, the authoritative side, lacks it, and the ledger never deletes a history'
          : 'the ledger, the authoritative side, lacks it, and figway deletes nothing from legacy (a write that bypassed figway? see figway sync status)',
    });
  }
  const ids = rows.filter((row) => row.missingOn !== lacking).map((row) => row.id);
  if (authority.side === 'legacy') await ledgerFromLegacy(targets, sides, ids, outcome);
  else await legacyFromLedger(targets, sides, ids, outcome);
  return outcome;
}
