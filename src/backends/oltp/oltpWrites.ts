import type { Queryable } from '../../core/database.ts';
import type { CommitmentTypeRecord, ProfileRecord } from '../connectStore.ts';

/**
 * Inserts or updates profiles through `db` (a database or an open transaction);
 * returns how many rows changed (identical rows are left alone).
 */
export async function upsertProfiles(db: Queryable, profiles: readonly ProfileRecord[]): Promise<number> {
  let changed = 0;
  for (const profile of profiles) {
    const rows = await db.query(
      `insert into oltp.profiles (id, username, display_name, avatar_url, created_at) values ($1, $2, $3, $4, $5)
       on conflict (id) do update set username = excluded.username, display_name = excluded.display_name,
         avatar_url = excluded.avatar_url, created_at = excluded.created_at
       where (oltp.profiles.username, oltp.profiles.display_name, oltp.profiles.avatar_url, oltp.profiles.created_at)
         is distinct from (excluded.username, excluded.display_name, excluded.avatar_url, excluded.created_at)
       returning id`,
      [profile.id, profile.username, profile.displayName, profile.avatarUrl, profile.createdAt],
    );
    changed += rows.length;
  }
  return changed;
}

/** Inserts or updates commitment types through `db`; returns how many rows changed. */
export async function upsertCommitmentTypes(
  db: Queryable,
  types: readonly CommitmentTypeRecord[],
): Promise<number> {
  let changed = 0;
  for (const type of types) {
    const rows = await db.query(
      `insert into oltp.commitment_types (id, name, description) values ($1, $2, $3)
       on conflict (id) do update set name = excluded.name, description = excluded.description
       where (oltp.commitment_types.name, oltp.commitment_types.description)
         is distinct from (excluded.name, excluded.description)
       returning id`,
      [type.id, type.name, type.description],
    );
    changed += rows.length;
  }
  return changed;
}

/** Deletes profiles by id through `db`; returns how many existed. */
export async function deleteProfiles(db: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return (await db.query('delete from oltp.profiles where id = any($1::uuid[]) returning id', [ids])).length;
}

/** Deletes commitment types by id through `db`; returns how many existed. */
export async function deleteCommitmentTypes(db: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return (await db.query('delete from oltp.commitment_types where id = any($1::uuid[]) returning id', [ids]))
    .length;
}

/**
 * Inserts the profiles the OLTP service lacks and leaves the ones it holds alone, so a
 * copy read earlier never overwrites a newer change the applier wrote in between;
 * returns the ids it inserted.
 */
export async function insertMissingProfiles(
  db: Queryable,
  profiles: readonly ProfileRecord[],
): Promise<string[]> {
  const inserted: string[] = [];
  for (const profile of profiles) {
    const rows = await db.query(
      `insert into oltp.profiles (id, username, display_name, avatar_url, created_at) values ($1, $2, $3, $4, $5)
       on conflict (id) do nothing returning id`,
      [profile.id, profile.username, profile.displayName, profile.avatarUrl, profile.createdAt],
    );
    inserted.push(...rows.map((row) => String(row.id)));
  }
  return inserted;
}

/** Inserts the commitment types the OLTP service lacks, leaving the others alone; returns the ids it inserted. */
export async function insertMissingCommitmentTypes(
  db: Queryable,
  types: readonly CommitmentTypeRecord[],
): Promise<string[]> {
  const inserted: string[] = [];
  for (const type of types) {
    const rows = await db.query(
      `insert into oltp.commitment_types (id, name, description) values ($1, $2, $3)
       on conflict (id) do nothing returning id`,
      [type.id, type.name, type.description],
    );
    inserted.push(...rows.map((row) => String(row.id)));
  }
  return inserted;
}

/**
 * Deletes a profile only while the OLTP service holds exactly `profile` (a row the
 * applier rewrote since is left alone); returns whether it deleted it.
 */
export async function deleteProfileAsWritten(db: Queryable, profile: ProfileRecord): Promise<boolean> {
  const rows = await db.query(
    `delete from oltp.profiles where id = $1
       and (username, display_name, avatar_url, created_at) is not distinct from ($2, $3, $4, $5::timestamptz)
     returning id`,
    [profile.id, profile.username, profile.displayName, profile.avatarUrl, profile.createdAt],
  );
  return rows.length > 0;
}

/** Deletes a commitment type only while the OLTP service holds exactly `type`; returns whether it deleted it. */
export async function deleteCommitmentTypeAsWritten(
  db: Queryable,
  type: CommitmentTypeRecord,
): Promise<boolean> {
  const rows = await db.query(
    `delete from oltp.commitment_types where id = $1 and (name, description) is not distinct from ($2, $3)
     returning id`,
    [type.id, type.name, type.description],
  );
  return rows.length > 0;
}
