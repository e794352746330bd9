// A backfill that runs inside a live gateway, while the change applier mirrors legacy's writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { upsertCommitmentTypes, upsertProfiles } from '../../../src/backends/oltp/oltpWrites.ts';
import { toCommitmentType, toProfile } from '../../../src/backends/supabase/rows.ts';
import type { Database, Transaction } from '../../../src/core/database.ts';
import {
  backfillCommitmentTypes,
  backfillProfiles,
} from '../../../src/writes/backfill/backfillReferenceData.ts';

const engines = await testEngines();

/**
 * `legacy`, whose first transaction that reads a batch of `table` runs `between`
 * once it has committed: after the backfill read the batch, before it writes it.
 */
function afterBatchRead(legacy: Database, table: string, between: () => Promise<void>): Database {
  let done = false;
  const transaction = async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    let readsBatch = false;
    const result = await legacy.transaction((tx) =>
      fn(
        new Proxy(tx, {
          get(target, prop) {
            if (prop === 'query') {
              return (sql: string, params?: readonly unknown[]) => {
                if (sql.includes(`from public.${table} where`)) readsBatch = true;
                return target.query(sql, params);
              };
            }
            const value = Reflect.get(target, prop);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ),
    );
    if (readsBatch && !done) {
      done = true;
      await between();
    }
    return result;
  };
  return new Proxy(legacy, {
    get(target, prop) {
      if (prop === 'transaction') return transaction;
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.each(engines)('backfill beside the change applier ($name)', (engine) => {
  let fixture: MigrationFixture;
  beforeEach(async () => {
    fixture = await createMigrationFixture(engine);
  });
  afterEach(() => fixture.drop());

  it('keeps a profile renamed on legacy and mirrored between its batch read and its write', async () => {
    const legacy = afterBatchRead(fixture.legacy, 'profiles', async () => {
      const [row] = await fixture.legacy.query(
        "update public.profiles set display_name = 'Alice Renamed' where username = 'alice' returning *",
      );
      if (row === undefined) throw new Error('legacy has no alice');
      // What the change applier does with the captured update.
      await upsertProfiles(fixture.oltp.db, [toProfile(row)]);
    });
    const summary = await backfillProfiles(legacy, fixture.oltp);
    expect(summary).toMatchObject({ read: 5, written: 4, skipped: 1, failed: 0 });
    const [alice] = await fixture.oltp.db.query(
      "select display_name from oltp.profiles where username = 'alice'",
    );
    expect(alice?.display_name).toBe('Alice Renamed');
  });

  it('keeps a commitment type renamed on legacy and mirrored between its batch read and its write', async () => {
    let renamed = '';
    const legacy = afterBatchRead(fixture.legacy, 'commitment_types', async () => {
      const [row] = await fixture.legacy.query(
        "update public.commitment_types set name = name || ' (renamed)' where id = (select min(id::text)::uuid from public.commitment_types) returning *",
      );
      if (row === undefined) throw new Error('legacy has no commitment type');
      renamed = String(row.id);
      await upsertCommitmentTypes(fixture.oltp.db, [toCommitmentType(row)]);
    });
    const summary = await backfillCommitmentTypes(legacy, fixture.oltp);
    expect(summary).toMatchObject({ failed: 0, skipped: 1 });
    const [type] = await fixture.oltp.db.query('select name from oltp.commitment_types where id = $1', [
      renamed,
    ]);
    expect(type?.name).toMatch(/ \(renamed\)$/);
  });
});
