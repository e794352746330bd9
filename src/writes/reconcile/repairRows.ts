import type { CommitmentTypeRecord, ProfileRecord } from '../../backends/connectStore.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { LedgerConflictError } from '../../backends/ledger/ledgerErrors.ts';
import {
  deleteCommitmentTypes,
  deleteProfiles,
  insertMissingCommitmentTypes,
  insertMissingProfiles,
  upsertCommitmentTypes,
  upsertProfiles,
} from '../../backends/oltp/oltpWrites.ts';
import { toCommitmentType, toProfile } from '../../backends/supabase/rows.ts';
import type { Queryable, Row } from '../../core/database.ts';
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

// How repair writes one kind of reference data into the OLTP service, through an open transaction.
interface ReferenceWrites {
  /** Reads the row by id, locked against the change applier's writes until the transaction ends. */
  lock(tx: Queryable, id: string): Promise<SideRecord | undefined>;
  /** Returns the ids inserted: none when the row exists. */
  insertMissing(tx: Queryable, record: SideRecord): Promise<string[]>;
  upsert(tx: Queryable, record: SideRecord): Promise<number>;
  remove(tx: Queryable, id: string): Promise<number>;
}

const lockOne = (table: string, map: (row: Row) => SideRecord) => async (tx: Queryable, id: string) =>
  (await tx.query(`select * from oltp.${table} where id = $1 for update`, [id])).map(map)[0];

const REFERENCE_WRITES: Record<'profiles' | 'commitment-types', ReferenceWrites> = {
  profiles: {
    lock: lockOne('profiles', toProfile),
    insertMissing: (tx, record) => insertMissingProfiles(tx, [record as ProfileRecord]),
    upsert: (tx, record) => upsertProfiles(tx, [record as ProfileRecord]),
    remove: (tx, id) => deleteProfiles(tx, [id]),
  },
  'commitment-types': {
    lock: lockOne('commitment_types', toCommitmentType),
    insertMissing: (tx, record) => insertMissingCommitmentTypes(tx, [record as CommitmentTypeRecord]),
    upsert: (tx, record) => upsertCommitmentTypes(tx, [record as CommitmentTypeRecord]),
    remove: (tx, id) => deleteCommitmentTypes(tx, [id]),
  },
};

// Legacy counts for reference data: the OLTP service gets legacy's row, or loses a row
// legacy does not have. Each row reads the OLTP service, then legacy (outside the OLTP
// transaction: in the embedded default both are one PGlite connection), then, with the
// OLTP row locked against the change applier (its upserts and deletes take that lock),
// reads the OLTP service again: when the applier brought a legacy change in between, the
// legacy row read may be older than that change, and the row is left alone. A missing
// row is only inserted where still missing, since it cannot be locked.
async function oltpFromLegacy(
  entity: 'profiles' | 'commitment-types',
  targets: ReconcileTargets,
  sides: ReconcileSides,
  rows: readonly DivergentRow[],
  outcome: RepairOutcome,
) {
  const writes = REFERENCE_WRITES[entity];
  await eachRow(
    rows.map((row) => row.id),
    outcome,
    async (id) => {
      const seen = canonicalJson(await recordOf(sides.target, id));
      const record = await recordOf(sides.legacy, id);
      return targets.oltp.db.transaction(async (tx) => {
        const now = await writes.lock(tx, id);
        if (canonicalJson(now) !== seen) return moved('the OLTP service');
        if (record === undefined) await writes.remove(tx, id);
        else if (now !== undefined) await writes.upsert(tx, record);
        else if ((await writes.insertMissing(tx, record)).length === 0) return moved('the OLTP service');
        return null;
      });
    },
  );
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
