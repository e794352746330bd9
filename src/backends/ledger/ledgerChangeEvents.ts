import { AsyncLocalStorage } from 'node:async_hooks';
import type { Activity, ChangePublisher, CommitmentChange } from '../../core/changeEvents.ts';
import type { Queryable } from '../../core/database.ts';
import type { AppendedTransaction } from './appendTransaction.ts';
import { COMMITMENTS, type CommitmentDocument } from './commitmentDocument.ts';
import type { LedgerRevision } from './ledgerTypes.ts';
import type { Ledger } from './openLedger.ts';

// What a revision did to its commitment, from the one before it (null for version 0).
function activitiesOf(data: CommitmentDocument, previous: CommitmentDocument | null): Activity[] {
  const activities: Activity[] = [];
  if (previous === null) activities.push({ kind: 'CREATED' });
  else if (data.status !== previous.status) activities.push({ kind: 'STATUS_CHANGED' });
  const seated = new Set(previous?.parties.map((party) => party.id));
  for (const party of data.parties) {
    // The creator seated with the commitment is part of CREATED.
    if (seated.has(party.id) || (previous === null && party.role === 'CREATOR')) continue;
    activities.push({ kind: 'PARTY_ADDED', profileId: party.profileId });
  }
  const attached = new Set(previous?.documents.map((entry) => entry.id));
  for (const entry of data.documents) {
    if (!attached.has(entry.id)) activities.push({ kind: 'DOCUMENT_ATTACHED' });
  }
  return activities;
}

const key = (documentId: string, version: number) => `${documentId}\u0000${version}`;

// The data of the revision before each of `revisions`: from the block itself when it
// wrote that one too (a chain of revisions in one transaction), else in one query.
async function previousData(
  db: Queryable,
  revisions: ReadonlyArray<LedgerRevision<CommitmentDocument>>,
): Promise<Map<string, CommitmentDocument>> {
  const found = new Map(
    revisions.map((revision) => [key(revision.metadata.id, revision.metadata.version), revision.data]),
  );
  const missing = revisions
    .map((revision) => ({ id: revision.metadata.id, version: revision.metadata.version - 1 }))
    .filter((wanted) => wanted.version >= 0 && !found.has(key(wanted.id, wanted.version)));
  if (missing.length === 0) return found;
  const rows = await db.query(
    `select r.document_id, r.version, r.data from ledger.revisions r
     join unnest($2::text[], $3::int[]) as p (document_id, version)
       on r.document_id = p.document_id and r.version = p.version
     where r.table_name = $1`,
    [COMMITMENTS, missing.map((wanted) => wanted.id), missing.map((wanted) => wanted.version)],
  );
  for (const row of rows)
    found.set(key(String(row.document_id), Number(row.version)), row.data as CommitmentDocument);
  return found;
}

async function changesOf(db: Queryable, appended: AppendedTransaction): Promise<CommitmentChange[]> {
  const commitments = appended.revisions.flatMap((revision, index) =>
    revision.tableName === COMMITMENTS
      ? [{ revision: revision as LedgerRevision<CommitmentDocument>, actor: appended.actors[index] ?? null }]
      : [],
  );
  if (commitments.length === 0) return [];
  const previous = await previousData(
    db,
    commitments.map((entry) => entry.revision),
  );
  return commitments.map(({ revision, actor }) => {
    const { id, version, txTime } = revision.metadata;
    const before = version === 0 ? null : previous.get(key(id, version - 1));
    if (before === undefined)
      throw new Error(`commitment ${id} has no revision ${version - 1} before ${version}`);
    return {
      id: `target:${id}:${version}`,
      source: 'target',
      commitmentId: id,
      activities: activitiesOf(revision.data, before),
      actorId: actor,
      at: txTime,
    };
  });
}

/** How often the revisions before a transaction's are read before its changes are given up. */
const READ_ATTEMPTS = 3;

/** The pause before the second read, doubled before each later one. */
const FIRST_BACKOFF_MS = 100;

// The changes of `appended`, read up to READ_ATTEMPTS times: a read that fails once (a
// connection reset, a failover) would otherwise lose the transaction's events for good.
async function readChanges(db: Queryable, appended: AppendedTransaction): Promise<CommitmentChange[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await changesOf(db, appended);
    } catch (error) {
      // The last failure is the caller's to report; earlier ones are retried after a pause.
      if (attempt >= READ_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Tells `publisher` the commitment changes of each transaction `ledger` commits from
 * now on: one change per revision of a commitment (`target:<id>:<version>`), its
 * activities found by comparing it with the revision before it, at the block's commit
 * time, by the write's actor. Reads the previous revisions in one query per
 * transaction, after the commit, off the writer's path, tried 3 times (after 100 and
 * 200 ms) before the transaction's changes are given up; transactions are told in the
 * order they were committed here, a retried one holding the later ones back. A failure
 * goes to `onError` (which must not throw), never to the writer. At most once: the
 * changes live only in this process between the commit and the publish, so those of a
 * process that stops or crashes in between are never told. Returns the function that
 * stops watching.
 */
export function watchLedgerChanges(
  ledger: Ledger,
  publisher: ChangePublisher,
  onError: (error: unknown) => void,
): () => void {
  // The reads run in the context the watch was set up in, not the writing request's:
  // a request whose time budget runs out right after its write must not lose the event.
  const outside = AsyncLocalStorage.snapshot();
  let told: Promise<void> = Promise.resolve();
  return ledger.onCommitted((appended) => {
    told = told
      .then(() =>
        outside(async () => {
          const changes = await readChanges(ledger.db, appended);
          if (changes.length > 0) publisher.publish(changes);
        }),
      )
      .catch(onError);
  });
}
