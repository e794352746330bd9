import type { CommitmentTypeRecord, ProfileRecord } from '../../backends/connectStore.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { deleteCommitmentTypes, deleteProfiles } from '../../backends/oltp/oltpWrites.ts';
import { writeCommitmentToLegacy } from '../sync/writeToLegacy.ts';
import type { SideRecord } from './canonicalRecord.ts';
import type { ReconcileSides, ReconcileTargets } from './reconcileSides.ts';
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

// Legacy counts: the ledger gets a new revision holding legacy's state, at the
// version it holds now; history is never rewritten.
async function ledgerFromLegacy(
  targets: ReconcileTargets,
  sides: ReconcileSides,
  ids: string[],
  outcome: RepairOutcome,
) {
  const legacy = await recordsById(sides.legacy, ids);
  await eachRow(ids, outcome, async (id) => {
    const document = legacy.get(id);
    if (document === undefined) return 'legacy no longer holds it';
    const current = await targets.ledger.current<CommitmentDocument>(COMMITMENTS, id);
    await targets.ledger.write([
      {
        tableName: COMMITMENTS,
        documentId: id,
        data: document,
        expectedVersion: current?.metadata.version ?? null,
      },
    ]);
    return null;
  });
}

// The ledger counts: legacy's rows of the commitment are made exactly its newest revision,
// even over a newer legacy version, and lose the parties and documents it lacks.
async function legacyFromLedger(
  targets: ReconcileTargets,
  sides: ReconcileSides,
  ids: string[],
  outcome: RepairOutcome,
) {
  const ledger = await recordsById(sides.target, ids);
  await eachRow(ids, outcome, async (id) => {
    const document = ledger.get(id);
    if (document === undefined) return 'the ledger no longer holds it';
    await targets.legacy.transaction((tx) =>
      writeCommitmentToLegacy(tx, document as CommitmentDocument, { actor: null, exact: true }),
    );
    return null;
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
