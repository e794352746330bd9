import type { Activity, ChangePublisher, CommitmentChange } from '../../core/changeEvents.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import type { QueuedRow } from './changeQueue.ts';
import { toCapturedChange } from './queueRows.ts';
import type { CapturedChange } from './syncTypes.ts';

// What one captured row did. The creator's party, seated by the app's trigger in the
// transaction that inserts the commitment, is part of CREATED, not a PARTY_ADDED.
function activityOf(change: CapturedChange, createdHere: boolean): Activity | null {
  if (change.operation === 'INSERT') {
    switch (change.tableName) {
      case 'commitments':
        return { kind: 'CREATED' };
      case 'commitment_parties':
        if (createdHere && change.rowData.role === 'CREATOR') return null;
        return { kind: 'PARTY_ADDED', profileId: String(change.rowData.profile_id) };
      case 'commitment_documents':
        return { kind: 'DOCUMENT_ATTACHED' };
      default:
        return null;
    }
  }
  // Without the row before the update (captured before before_data existed), a status
  // change cannot be told from another edit: the change is still told, with no activity.
  if (change.operation === 'UPDATE' && change.tableName === 'commitments' && change.before !== null) {
    return change.rowData.status === change.before.status ? null : { kind: 'STATUS_CHANGED' };
  }
  return null;
}

function eventOf(transactionId: string, commitmentId: string, changes: readonly CapturedChange[]) {
  const [first] = changes;
  if (first === undefined) throw new Error(`no change of commitment ${commitmentId} to tell`);
  const createdHere = changes.some(
    (change) => change.tableName === 'commitments' && change.operation === 'INSERT',
  );
  const activities = changes.flatMap((change) => activityOf(change, createdHere) ?? []);
  const change: CommitmentChange = {
    id: `legacy:${transactionId}:${commitmentId}`,
    source: 'legacy',
    commitmentId,
    activities,
    actorId: changes.find((candidate) => candidate.actor !== null)?.actor ?? null,
    at: first.capturedAt.toISOString(),
  };
  return change;
}

/**
 * The change feed's events for captured legacy changes: one per legacy transaction
 * and commitment, in the order of their first change, with what the rows did
 * (CREATED, STATUS_CHANGED, PARTY_ADDED, DOCUMENT_ATTACHED) in change order; a change
 * no activity describes (a title edit, a deletion) is an event without activities.
 * Profiles and commitment types are not told. The mirror's own writes (origin
 * `mirror`) are told too: they are committed on legacy. Pure.
 */
export function legacyCommitmentChanges(changes: readonly CapturedChange[]): CommitmentChange[] {
  const groups = new Map<
    string,
    { transactionId: string; commitmentId: string; changes: CapturedChange[] }
  >();
  const ordered = changes.filter((change) => change.entity === 'commitment').sort((a, b) => a.id - b.id);
  for (const change of ordered) {
    const key = `${change.transactionId}\u0000${change.entityId}`;
    const group = groups.get(key);
    if (group === undefined)
      groups.set(key, {
        transactionId: change.transactionId,
        commitmentId: change.entityId,
        changes: [change],
      });
    else group.changes.push(change);
  }
  return [...groups.values()].map((group) => eventOf(group.transactionId, group.commitmentId, group.changes));
}

/** Tells `publisher` the commitment changes among claimed queue rows; a failure is logged, never thrown. */
export function publishClaimedChanges(
  publisher: ChangePublisher,
  rows: readonly QueuedRow[],
  log: RateLimitedLog,
): void {
  try {
    const changes = legacyCommitmentChanges(rows.map((row) => toCapturedChange(row.row)));
    if (changes.length > 0) publisher.publish(changes);
  } catch (error) {
    log.log('sync/target/publish', 'warn', { err: error }, 'could not tell the claimed legacy changes');
  }
}
