import { setImmediate } from 'node:timers/promises';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import {
  deleteCommitmentTypeAsWritten,
  deleteProfileAsWritten,
  insertMissingCommitmentTypes,
  insertMissingProfiles,
} from '../../backends/oltp/oltpWrites.ts';
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
  /** Inserts the records the OLTP service lacks; returns the ids it inserted. */
  insert: (records: readonly T[]) => Promise<string[]>;
  /** Deletes a record the batch inserted, unless the OLTP service rewrote it since; returns whether it did. */
  takeBack: (record: T) => Promise<boolean>;
}

function failed(summary: BackfillSummary, id: string, error: unknown) {
  summary.failed += 1;
  summary.failures.push({ id, error: error instanceof Error ? error.message : String(error) });
}

// Returns the records the batch inserted.
async function copyBatch<T extends { id: string }>(
  spec: ReferenceTable<T>,
  records: readonly T[],
  summary: BackfillSummary,
): Promise<T[]> {
  let inserted: Set<string>;
  let failures = 0;
  try {
    inserted = new Set(await spec.insert(records));
  } catch {
    // One record spoiled the batch: each is inserted alone, and the one that fails again is named.
    inserted = new Set();
    for (const record of records) {
      try {
        for (const id of await spec.insert([record])) inserted.add(id);
      } catch (error) {
        failures += 1;
        failed(summary, record.id, error);
      }
    }
  }
  summary.written += inserted.size;
  summary.skipped += records.length - inserted.size - failures;
  return records.filter((record) => inserted.has(record.id));
}

// A row legacy deleted after the batch read it was inserted all the same, and the
// applier's delete may have come before the insert and found nothing: the batch reads
// legacy again and takes back what legacy no longer holds. A delete committed after this
// read reaches the OLTP service through the applier, after the insert. A row the applier
// rewrote meanwhile (legacy inserted it again) is left to it.
async function takeBackDeleted<T extends { id: string }>(
  legacy: Database,
  spec: ReferenceTable<T>,
  inserted: readonly T[],
  summary: BackfillSummary,
) {
  if (inserted.length === 0) return;
  const held = await readLegacyAsService(legacy, (tx) =>
    tx.query(`select id from public.${spec.table} where id = any($1::uuid[])`, [
      inserted.map((record) => record.id),
    ]),
  );
  const still = new Set(held.map((row) => String(row.id)));
  for (const record of inserted.filter((candidate) => !still.has(candidate.id))) {
    try {
      if (await spec.takeBack(record)) {
        summary.written -= 1;
        summary.skipped += 1;
      }
    } catch (error) {
      failed(summary, record.id, error);
    }
  }
}

// A batch only inserts the rows the OLTP service lacks: a row it holds already is
// kept by the change applier (a rename mirrored between this batch's read and its
// write must not be rolled back to the read) and set right by reconcile --repair.
// Inserts of missing rows are idempotent, so committing the cursor after the batch
// is safe: a crash in between only repeats a batch, whose rows are then skipped. (A
// crash between a batch's insert and its take-back can leave a row legacy deleted
// meanwhile, which the repeated batch no longer reads: reconcile --repair removes it.)
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
    const inserted = await copyBatch(spec, rows.map(spec.map), summary);
    await takeBackDeleted(legacy, spec, inserted, summary);
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
      takeBack: (record) => deleteProfileAsWritten(oltp.db, record),
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
      takeBack: (record) => deleteCommitmentTypeAsWritten(oltp.db, record),
    },
    options,
  );
}
