import { setImmediate } from 'node:timers/promises';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import { insertMissingCommitmentTypes, insertMissingProfiles } from '../../backends/oltp/oltpWrites.ts';
import { toCommitmentType, toProfile } from '../../backends/supabase/rows.ts';
import type { Database, Row } from '../../core/database.ts';
import { writeCursor } from './backfillCursor.ts';
import type { BackfillJob, BackfillOptions, BackfillSummary } from './backfillTypes.ts';
import { readLegacyAsService } from './readLegacyAsService.ts';
import { startBackfill } from './startBackfill.ts';

interface ReferenceTable<T> {
  job: BackfillJob;
  table: 'profiles' | 'commitment_types';
  map: (row: Row) => T;
  /** Inserts the records the OLTP service lacks; returns how many it inserted. */
  insert: (records: readonly T[]) => Promise<number>;
}

async function copyBatch<T extends { id: string }>(
  spec: ReferenceTable<T>,
  records: readonly T[],
  summary: BackfillSummary,
) {
  try {
    const changed = await spec.insert(records);
    summary.written += changed;
    summary.skipped += records.length - changed;
  } catch {
    for (const record of records) {
      try {
        const changed = await spec.insert([record]);
        summary.written += changed;
        summary.skipped += 1 - changed;
      } catch (error) {
        summary.failed += 1;
        summary.failures.push({
          id: record.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}

// A batch only inserts the rows the OLTP service lacks: a row it holds already is
// kept by the change applier (a rename mirrored between this batch's read and its
// write must not be rolled back to the read) and set right by reconcile --repair.
// Inserts of missing rows are idempotent, so committing the cursor after the batch
// is safe: a crash in between only repeats a batch, whose rows are then skipped.
async function copyReferenceTable<T extends { id: string }>(
  legacy: Database,
  oltp: OltpStore,
  spec: ReferenceTable<T>,
  options: BackfillOptions,
): Promise<BackfillSummary> {
  const start = await startBackfill(legacy, oltp.db, spec.job, spec.table);
  const { summary } = start;
  let { cursor } = start;
  for (;;) {
    if (options.signal?.aborted === true) return { ...summary, interrupted: true };
    const rows = await readLegacyAsService(legacy, (tx) =>
      tx.query(
        `select * from public.${spec.table} where ($1::uuid is null or id > $1::uuid) order by id limit $2`,
        [cursor, options.batchSize ?? 100],
      ),
    );
    const last = rows.at(-1);
    if (last === undefined) break;
    await copyBatch(spec, rows.map(spec.map), summary);
    cursor = String(last.id);
    await writeCursor(oltp.db, spec.job, cursor);
    summary.read += rows.length;
    options.onProgress?.({ ...summary });
    // PGlite answers without ever yielding to the event loop; without this, a
    // Ctrl-C (or any I/O) would wait for the whole run to end.
    await setImmediate();
  }
  await writeCursor(oltp.db, spec.job, null);
  return summary;
}

/** Copies legacy profiles into the OLTP service; idempotent and resumable. */
export function backfillProfiles(legacy: Database, oltp: OltpStore, options: BackfillOptions = {}) {
  return copyReferenceTable(
    legacy,
    oltp,
    {
      job: 'profiles',
      table: 'profiles',
      map: toProfile,
      insert: (records) => insertMissingProfiles(oltp.db, records),
    },
    options,
  );
}

/** Copies legacy commitment types into the OLTP service; idempotent and resumable. */
export function backfillCommitmentTypes(legacy: Database, oltp: OltpStore, options: BackfillOptions = {}) {
  return copyReferenceTable(
    legacy,
    oltp,
    {
      job: 'commitment-types',
      table: 'commitment_types',
      map: toCommitmentType,
      insert: (records) => insertMissingCommitmentTypes(oltp.db, records),
    },
    options,
  );
}
