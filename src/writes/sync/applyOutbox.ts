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
  /** Hears why a batch was applied one entry at a time instead (the entry that fails again says it too). */
  onFallback?: (error: unknown) => void;
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
    const written = await writeCommitmentToLegacy(tx, document, { actor: entry.actor, exact: false });
    return { id: entry.id, result: written.changed ? 'applied' : 'skipped' };
  });
}

// The whole batch in one legacy transaction, after two reads (what legacy applied
// already, the revisions named): one round of commits for many writers. Null when it
// cannot (a missing revision, a refused row, a lost connection): then entry by entry.
async function applyTogether(
  deps: OutboxDeps,
  entries: readonly OutboxEntry[],
): Promise<ChangeOutcome[] | null> {
  const ids = entries.map((entry) => entry.id);
  const applied = new Set(
    (
      await deps.legacy.query(
        'select outbox_id from figway.applied_outbox where outbox_id = any($1::bigint[])',
        [ids],
      )
    ).map((row) => Number(row.outbox_id)),
  );
  const wanted = entries.filter((entry) => !applied.has(entry.id));
  const rows = await deps.ledger.db.query(
    `select r.document_id, r.version, r.data from unnest($2::text[], $3::int[]) as w (document_id, version)
     join ledger.revisions r on r.table_name = $1 and r.document_id = w.document_id and r.version = w.version`,
    [COMMITMENTS, wanted.map((entry) => entry.entityId), wanted.map((entry) => entry.revision)],
  );
  const documents = new Map(
    rows.map((row) => [`${String(row.document_id)}@${Number(row.version)}`, row.data as CommitmentDocument]),
  );
  if (wanted.some((entry) => !documents.has(`${entry.entityId}@${entry.revision}`))) return null;
  try {
    return await deps.legacy.transaction(async (tx) => {
      const outcomes: ChangeOutcome[] = [];
      for (const entry of [...entries].sort((a, b) => a.id - b.id)) {
        const document = documents.get(`${entry.entityId}@${entry.revision}`);
        if (applied.has(entry.id) || document === undefined) {
          outcomes.push({ id: entry.id, result: 'skipped' });
          continue;
        }
        const claimed = await tx.query(
          'insert into figway.applied_outbox (outbox_id) values ($1) on conflict do nothing returning outbox_id',
          [entry.id],
        );
        if (claimed.length === 0) {
          outcomes.push({ id: entry.id, result: 'skipped' });
          continue;
        }
        const written = await writeCommitmentToLegacy(tx, document, { actor: entry.actor, exact: false });
        outcomes.push({ id: entry.id, result: written.changed ? 'applied' : 'skipped' });
      }
      return outcomes;
    });
  } catch (error) {
    // The entry that spoiled the transaction is found, and named, one by one.
    deps.onFallback?.(error);
    return null;
  }
}

/**
 * Brings legacy to the ledger revisions the outbox entries name, merged rather than
 * copied (`writeCommitmentToLegacy` with `exact: false`): a legacy commitment row
 * whose version is greater than the revision's stays as it is, and no party or
 * document of legacy's is deleted; an entry that writes nothing is `skipped`. The
 * batch runs in one legacy transaction, or, when that fails, one legacy transaction
 * per entry (the rows, and the entry's mark in `figway.applied_outbox`, so an entry
 * applied twice changes nothing). Entries are applied in id order, which
 * is the order their ledger writes committed; once an entry of a commitment fails,
 * the later entries of that commitment fail too, unapplied, while other commitments
 * go on. Returns one outcome per entry, in the order given.
 */
export async function applyOutbox(
  deps: OutboxDeps,
  entries: readonly OutboxEntry[],
): Promise<ChangeOutcome[]> {
  if (entries.length > 1) {
    const together = await applyTogether(deps, entries);
    if (together !== null) {
      const byId = new Map(together.map((outcome) => [outcome.id, outcome]));
      return entries.map((entry) => byId.get(entry.id) ?? { id: entry.id, result: 'skipped' });
    }
  }
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
