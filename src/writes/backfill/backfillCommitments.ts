import { setImmediate } from 'node:timers/promises';
import type { CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { COMMITMENTS } from '../../backends/ledger/commitmentDocument.ts';
import type { LedgerWrite } from '../../backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { Database, Queryable, Row } from '../../core/database.ts';
import { writeCursor } from './backfillCursor.ts';
import type { BackfillOptions, BackfillSummary } from './backfillTypes.ts';
import { chainCommitmentWrites } from './chainCommitmentWrites.ts';
import { readLegacyAsService } from './readLegacyAsService.ts';
import {
  currentCommitment,
  type HistoryRow,
  replayCommitmentHistory,
  sameCommitment,
} from './replayCommitmentHistory.ts';
import { startBackfill } from './startBackfill.ts';

const JOB = 'commitments';

interface LegacyBatch {
  commitments: Row[];
  parties: Row[];
  documents: Row[];
  history: Array<HistoryRow & { commitmentId: string }>;
}

/** The writes one commitment needs, and the audit-trail row they bring the ledger up to. */
interface CommitmentPlan {
  id: string;
  writes: LedgerWrite[];
  mark: number;
}

function readBatch(legacy: Database, after: string | null, size: number): Promise<LegacyBatch> {
  return readLegacyAsService(legacy, async (tx) => {
    const commitments = await tx.query(
      'select * from public.commitments where ($1::uuid is null or id > $1::uuid) order by id limit $2',
      [after, size],
    );
    const ids = commitments.map((row) => String(row.id));
    const of = (sql: string) => (ids.length === 0 ? Promise.resolve([]) : tx.query(sql, [ids]));
    const parties = await of(
      'select * from public.commitment_parties where commitment_id = any($1::uuid[]) order by joined_at, id',
    );
    const documents = await of(
      'select * from public.commitment_documents where commitment_id = any($1::uuid[]) order by uploaded_at, name, version',
    );
    const history = await of(
      'select id, commitment_id, entity, operation, row_data from public.commitment_history where commitment_id = any($1::uuid[]) order by id',
    );
    return {
      commitments,
      parties,
      documents,
      history: history.map((row) => ({
        id: Number(row.id),
        commitmentId: String(row.commitment_id),
        entity: row.entity as HistoryRow['entity'],
        operation: row.operation as HistoryRow['operation'],
        data: row.row_data as Row,
      })),
    };
  });
}

async function readMarks(db: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query(
    'select source_id, last_history_id from figway.backfill_marks where job = $1 and source_id = any($2::text[])',
    [JOB, ids],
  );
  return new Map(rows.map((row) => [String(row.source_id), Number(row.last_history_id)]));
}

async function writeMarks(tx: Queryable, plans: readonly CommitmentPlan[]) {
  for (const plan of plans) {
    await tx.query(
      `insert into figway.backfill_marks (job, source_id, last_history_id) values ($1, $2, $3)
       on conflict (job, source_id) do update set last_history_id = excluded.last_history_id`,
      [JOB, plan.id, plan.mark],
    );
  }
}

// Replays the audit-trail rows the ledger has not seen onto its current revision,
// then appends legacy's current state if the trail does not end there (rows changed
// before the audit trigger existed): afterwards the ledger equals legacy.
async function planCommitment(ledger: Ledger, batch: LegacyBatch, commitment: Row, mark: number | undefined) {
  const id = String(commitment.id);
  const pending = batch.history.filter((row) => row.commitmentId === id && row.id > (mark ?? 0));
  if (mark !== undefined && pending.length === 0) return null;
  const stored = await ledger.current<CommitmentDocument>(COMMITMENTS, id);
  const states = replayCommitmentHistory(stored?.data ?? null, pending);
  const now = currentCommitment(
    commitment,
    batch.parties.filter((row) => String(row.commitment_id) === id),
    batch.documents.filter((row) => String(row.commitment_id) === id),
  );
  const last = states.at(-1) ?? stored?.data;
  if (last === undefined || !sameCommitment(last, now)) states.push(now);
  const writes = chainCommitmentWrites(id, states, stored?.metadata.version ?? null);
  return { id, writes, mark: Math.max(mark ?? 0, ...pending.map((row) => row.id)) } satisfies CommitmentPlan;
}

async function commitPlans(
  ledger: Ledger,
  plans: readonly CommitmentPlan[],
  cursor: string,
  summary: BackfillSummary,
) {
  const writes = plans.flatMap((plan) => plan.writes);
  const finish = async (tx: Queryable, done: readonly CommitmentPlan[]) => {
    await writeMarks(tx, done);
    await writeCursor(tx, JOB, cursor);
  };
  if (writes.length === 0) return writeCursor(ledger.db, JOB, cursor);
  try {
    await ledger.write(writes, (tx) => finish(tx, plans));
    summary.written += plans.length;
    summary.revisions += writes.length;
  } catch {
    // One commitment spoiled the batch: commit the others one by one and name it.
    for (const plan of plans) {
      try {
        await ledger.write(plan.writes, (tx) => writeMarks(tx, [plan]));
        summary.written += 1;
        summary.revisions += plan.writes.length;
      } catch (error) {
        summary.failed += 1;
        summary.failures.push({ id: plan.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    await writeCursor(ledger.db, JOB, cursor);
  }
}

/**
 * Copies legacy commitments into the ledger: each commitment's audit trail
 * (`commitment_history`) becomes its earlier revisions, in order. Idempotent (a
 * commitment whose trail the ledger has seen is skipped, new trail rows are
 * appended) and resumable (each batch commits with its progress).
 */
export async function backfillCommitments(
  legacy: Database,
  ledger: Ledger,
  options: BackfillOptions = {},
): Promise<BackfillSummary> {
  const start = await startBackfill(legacy, ledger.db, JOB, 'commitments');
  const { summary } = start;
  let { cursor } = start;
  for (;;) {
    if (options.signal?.aborted === true) {
      summary.interrupted = true;
      return summary;
    }
    const batch = await readBatch(legacy, cursor, options.batchSize ?? 100);
    const last = batch.commitments.at(-1);
    if (last === undefined) break;
    const marks = await readMarks(
      ledger.db,
      batch.commitments.map((row) => String(row.id)),
    );
    const plans: CommitmentPlan[] = [];
    for (const commitment of batch.commitments) {
      try {
        const plan = await planCommitment(ledger, batch, commitment, marks.get(String(commitment.id)));
        if (plan === null) summary.skipped += 1;
        else plans.push(plan);
      } catch (error) {
        summary.failed += 1;
        summary.failures.push({
          id: String(commitment.id),
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    cursor = String(last.id);
    await commitPlans(ledger, plans, cursor, summary);
    summary.read += batch.commitments.length;
    options.onProgress?.({ ...summary });
    // PGlite answers without ever yielding to the event loop; without this, a
    // Ctrl-C (or any I/O) would wait for the whole run to end.
    await setImmediate();
  }
  await writeCursor(ledger.db, JOB, null);
  return summary;
}
