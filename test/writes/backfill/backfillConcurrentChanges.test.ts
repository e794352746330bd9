// A backfill that runs inside a live gateway, while the change applier mirrors legacy's writes.

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import {
  deleteCommitmentTypes,
  deleteProfiles,
  upsertCommitmentTypes,
  upsertProfiles,
} from '../../../src/backends/oltp/oltpWrites.ts';
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
  it('does not bring back a profile deleted on legacy, and mirrored, between its batch read and its write', async () => {
    const id = randomUUID();
    await fixture.legacy.query('insert into auth.users (id) values ($1)', [id]);
    await fixture.legacy.query(
      "insert into public.profiles (id, username, display_name) values ($1, 'leaving', 'Leaving Soon')",
      [id],
    );
    const legacy = afterBatchRead(fixture.legacy, 'profiles', async () => {
      // The user's account is deleted (the profile goes with it); the change applier
      // applies the captured delete, and finds nothing to delete yet.
      await fixture.legacy.query('delete from auth.users where id = $1', [id]);
      await deleteProfiles(fixture.oltp.db, [id]);
    });
    const summary = await backfillProfiles(legacy, fixture.oltp);
    expect(await fixture.oltp.db.query('select id from oltp.profiles where id = $1', [id])).toEqual([]);
    expect(summary).toMatchObject({ read: 6, written: 5, skipped: 1, failed: 0 });
  });

  it('does not bring back a commitment type deleted on legacy, and mirrored, between its batch read and its write', async () => {
    const id = randomUUID();
    await fixture.legacy.query("insert into public.commitment_types (id, name) values ($1, 'Withdrawn')", [
      id,
    ]);
    const legacy = afterBatchRead(fixture.legacy, 'commitment_types', async () => {
      await fixture.legacy.query('delete from public.commitment_types where id = $1', [id]);
      await deleteCommitmentTypes(fixture.oltp.db, [id]);
    });
    const summary = await backfillCommitmentTypes(legacy, fixture.oltp);
    expect(await fixture.oltp.db.query('select id from oltp.commitment_types where id = $1', [id])).toEqual(
      [],
    );
    expect(summary).toMatchObject({ failed: 0, skipped: 1 });
  });
});
