import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { Database } from '../../core/database.ts';
import type { ChangeOutcome, OutboxEntry } from './syncTypes.ts';
import { writeCommitmentToLegacy } from './writeToLegacy.ts';

/** What {@link applyOutbox} reads from and writes to. */
export interface OutboxDeps {
  /** The legacy database, connected as its owner (row-level security does not apply). */
  legacy: Database;
  /** The ledger the outbox's revisions were written to. */
  ledger: Ledger;
}

/** Why an entry was not tried: an earlier entry of its commitment failed, and order matters. */
export const EARLIER_CHANGE_FAILED = 'an earlier change of this commitment failed';

async function alreadyApplied(legacy: Database, entry: OutboxEntry): Promise<boolean> {
  const rows = await legacy.query('select 1 from figway.applied_outbox where outbox_id = $1', [entry.id]);
  return rows.length > 0;
}

async function revisionOf(ledger: Ledger, entry: OutboxEntry): Promise<CommitmentDocument> {
  const [row] = await ledger.db.query(
    'select data from ledger.revisions where table_name = $1 and document_id = $2 and version = $3',
    [COMMITMENTS, entry.entityId, entry.revision],
  );
  if (row === undefined) {
    throw new Error(
      `outbox entry ${entry.id}: the ledger has no revision ${entry.revision} of commitment ${entry.entityId}`,
    );
  }
  return row.data as CommitmentDocument;
}

// The ledger is read before the legacy transaction opens: in the embedded default
// both are one PGlite, whose single connection a query outside the transaction
// would wait for forever.
async function applyEntry(deps: OutboxDeps, entry: OutboxEntry): Promise<ChangeOutcome> {
  if (await alreadyApplied(deps.legacy, entry)) return { id: entry.id, result: 'skipped' };
  const document = await revisionOf(deps.ledger, entry);
  return deps.legacy.transaction(async (tx) => {
    // Claimed first: a concurrent applier of the same entry waits here, then finds it applied.
    const claimed = await tx.query(
      'insert into figway.applied_outbox (outbox_id) values ($1) on conflict do nothing returning outbox_id',
      [entry.id],
    );
    if (claimed.length === 0) return { id: entry.id, result: 'skipped' };
    const written = await writeCommitmentToLegacy(tx, document, { actor: entry.actor });
    return { id: entry.id, result: written.changed ? 'applied' : 'skipped' };
  });
}

/**
 * Brings legacy to the ledger revisions the outbox entries name, one legacy
 * transaction per entry (the rows, and the entry's mark in `figway.applied_outbox`,
 * so an entry applied twice changes nothing). Entries are applied in id order, which
 * is the order their ledger writes committed; once an entry of a commitment fails,
 * the later entries of that commitment fail too, unapplied, while other commitments
 * go on. Returns one outcome per entry, in the order given.
 */
export async function applyOutbox(
  deps: OutboxDeps,
  entries: readonly OutboxEntry[],
): Promise<ChangeOutcome[]> {
  const outcomes: ChangeOutcome[] = [];
  // The error that stopped each commitment; a later entry carries it as its cause, so
  // a queue that retries unavailable backends forever sees why it really failed.
  const failedCommitments = new Map<string, unknown>();
  const order = entries.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.id - b.entry.id);
  for (const { entry, index } of order) {
    if (failedCommitments.has(entry.entityId)) {
      const cause = failedCommitments.get(entry.entityId);
      outcomes[index] = {
        id: entry.id,
        result: 'failed',
        error: new Error(EARLIER_CHANGE_FAILED, { cause }),
      };
      continue;
    }
    try {
      outcomes[index] = await applyEntry(deps, entry);
    } catch (error) {
      // Recorded in the outcome: the queue keeps the entry, with this error, for a retry.
      failedCommitments.set(entry.entityId, error);
      outcomes[index] = { id: entry.id, result: 'failed', error };
    }
  }
  return outcomes;
}
