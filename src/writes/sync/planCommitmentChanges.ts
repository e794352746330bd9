import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { LedgerRevision, LedgerWrite } from '../../backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { Database } from '../../core/database.ts';
import { chainCommitmentWrites } from '../backfill/chainCommitmentWrites.ts';
import { sameCommitment } from '../backfill/replayCommitmentHistory.ts';
import type { SyncConflict } from './appliedChanges.ts';
import { applyRowChange } from './applyRowChange.ts';
import { readLegacyCommitment } from './readLegacyCommitment.ts';
import type { CapturedChange } from './syncTypes.ts';

/** Why a party or document removed by a commitment deleted on legacy stays on the ledger. */
export const DELETED_WITH_COMMITMENT =
  'deleted on legacy with its commitment; the ledger keeps the commitment and its history';

// The commitment's own fields (parties and documents aside) on both sides.
function sameFields(a: CommitmentDocument, b: CommitmentDocument): boolean {
  return sameCommitment({ ...a, parties: [], documents: [] }, { ...b, parties: [], documents: [] });
}

/** What the ledger does with one commitment's captured changes, decided against one read of it. */
export interface CommitmentChangePlan {
  /** One revision per change that moves the commitment, chained from the revision read. */
  writes: LedgerWrite[];
  /** The result of every change planned; each is recorded as applied with the writes. */
  decisions: Array<{ id: number; result: 'applied' | 'skipped' | 'conflict' }>;
  conflicts: SyncConflict[];
}

// Anything but the commitment's own INSERT or DELETE needs the commitment to fold
// into; when the ledger has never held it, legacy's current rows are that state
// (they include the change, or what superseded it).
function needsLegacyRows(change: CapturedChange): boolean {
  return change.tableName !== 'commitments' || change.operation === 'UPDATE';
}

function removesAttachment(change: CapturedChange): boolean {
  return change.tableName !== 'commitments' && change.operation === 'DELETE';
}

// The user who made a legacy transaction: the first of its changes that carried one.
function actorOfTransaction(changes: readonly CapturedChange[], transactionId: string): string | null {
  return (
    changes.find((change) => change.transactionId === transactionId && change.actor !== null)?.actor ?? null
  );
}

/** What the caller already knows of a commitment when it plans its changes. */
export interface PlanContext {
  /** The ledger's current revision when the caller read it already (null: none); read here when undefined. */
  current?: LedgerRevision<CommitmentDocument> | null;
  /** The oldest open conflict of the commitment (`figway.sync_conflicts.id`), or null when it has none. @default null */
  openConflict?: number | null;
}

// The detail of a conflict recorded for a change held behind an open conflict.
function waitingDetail(change: CapturedChange, waitsOn: string): string {
  return `legacy ${change.operation} of ${change.tableName} not applied: the commitment waits on ${waitsOn}`;
}

/**
 * Plans how one commitment's captured changes (not yet applied, in id order) reach
 * the ledger: folds them one by one into its current revision, skipping echoes of
 * figway's mirror and changes that leave it as it is, and recording as conflicts a
 * deletion (the ledger never deletes) and a commitment row behind the ledger's
 * version with other content, unless legacy itself has moved past that row (then it
 * is superseded, not conflicting). While the commitment has an open conflict
 * (`context.openConflict`), or once a change of an earlier legacy transaction in
 * this plan became one, every change of legacy's own (origin not `mirror`) is
 * recorded as a conflict that waits on it, not applied: a write that bypassed figway
 * never lands over the target until the conflict is resolved. Reads legacy only when
 * it needs its current rows. Throws when a change cannot be folded (a malformed row).
 */
export async function planCommitmentChanges(
  ledger: Ledger,
  legacy: Database,
  entityId: string,
  changes: readonly CapturedChange[],
  context: PlanContext = {},
): Promise<CommitmentChangePlan> {
  const known = context.current;
  const stored =
    known === undefined ? await ledger.current<CommitmentDocument>(COMMITMENTS, entityId) : known;
  let onLegacy: Promise<CommitmentDocument | null> | undefined;
  const legacyNow = () => {
    onLegacy ??= readLegacyCommitment(legacy, entityId);
    return onLegacy;
  };
  let state = stored?.data ?? null;
  const states: CommitmentDocument[] = [];
  // Who made each state's legacy transaction, for the change feed (not hashed).
  const actors: Array<string | null> = [];
  const plan: CommitmentChangePlan = { writes: [], decisions: [], conflicts: [] };
  const decide = (change: CapturedChange, result: 'applied' | 'skipped' | 'conflict') =>
    plan.decisions.push({ id: change.id, result });
  // What legacy's changes wait on, and the legacy transaction that is still judged
  // change by change (the one whose change opened the conflict in this plan).
  const open = context.openConflict ?? null;
  let held: { on: string; transaction: string | null } | null =
    open === null ? null : { on: `conflict #${open}`, transaction: null };
  const conflict = (change: CapturedChange, detail: string, targetVersion: number | null) => {
    plan.conflicts.push({
      entity: 'commitment',
      entityId,
      changeId: change.id,
      detail,
      legacyRow: change.rowData,
      targetVersion,
    });
    decide(change, 'conflict');
    held ??= { on: `the conflict of legacy change ${change.id}`, transaction: change.transactionId };
  };
  // One legacy transaction is one revision: a commitment inserted with its creator's
  // party (the app's trigger) lands whole, as QLDB would have written it.
  let lastTransaction: string | null = null;
  const move = (change: CapturedChange, next: CommitmentDocument) => {
    if (state !== null && sameCommitment(state, next)) return decide(change, 'skipped');
    state = next;
    if (states.length > 0 && lastTransaction === change.transactionId) states[states.length - 1] = next;
    else {
      states.push(next);
      actors.push(actorOfTransaction(changes, change.transactionId));
    }
    lastTransaction = change.transactionId;
    decide(change, 'applied');
  };

  for (const change of changes) {
    if (change.origin === 'mirror') {
      decide(change, 'skipped');
      continue;
    }
    if (held !== null && held.transaction !== change.transactionId) {
      conflict(change, waitingDetail(change, held.on), state?.version ?? null);
      continue;
    }
    if (state === null && needsLegacyRows(change)) {
      const now = await legacyNow();
      if (now !== null) move(change, now);
      // Neither side holds the commitment: nothing to remove, nothing to keep.
      else if (change.operation === 'DELETE') decide(change, 'skipped');
      else
        throw new Error(
          `commitment ${entityId} is on neither the ledger nor legacy; change ${change.id} cannot apply`,
        );
      continue;
    }
    if (removesAttachment(change) && (await legacyNow()) === null) {
      conflict(change, DELETED_WITH_COMMITMENT, state?.version ?? null);
      continue;
    }
    const step = applyRowChange(state, change);
    switch (step.kind) {
      case 'state':
        move(change, step.state);
        break;
      case 'deleted':
        if (state === null) decide(change, 'skipped');
        else conflict(change, step.detail, step.targetVersion);
        break;
      case 'behind': {
        // Superseded only when the ledger already holds what legacy holds now (an older
        // change redelivered, or one a backfill overtook). A legacy write past the
        // target's newer version stays a conflict even when legacy moved on since.
        const now = await legacyNow();
        if (now === null || (now.version > step.rowVersion && state !== null && sameFields(now, state)))
          decide(change, 'skipped');
        else conflict(change, step.detail, step.targetVersion);
        break;
      }
    }
  }
  plan.writes = chainCommitmentWrites(entityId, states, stored?.metadata.version ?? null).map(
    (write, index) => ({ ...write, actor: actors[index] ?? null }),
  );
  return plan;
}
