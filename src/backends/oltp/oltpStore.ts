import { type Database, sqlState } from '../../core/database.ts';
import type { CommitmentTypeRecord, ConnectStore, ProfileRecord } from '../connectStore.ts';
import { isUuid } from '../connectStore.ts';
import { toCommitmentType, toProfile } from '../supabase/rows.ts';
import { targetError } from '../targetError.ts';
import type { Viewer } from '../viewer.ts';

/** The reads of the Connect port that the OLTP service answers. */
export type OltpReads = Pick<ConnectStore, 'profilesByIds' | 'commitmentTypesByIds' | 'listCommitmentTypes'>;

/** The OLTP service: profile and commitment-type reads, and the upserts a backfill makes. */
export interface OltpStore extends OltpReads {
  readonly db: Database;
  /** Inserts or updates profiles; returns how many rows changed (identical rows are left alone). */
  upsertProfiles(profiles: readonly ProfileRecord[]): Promise<number>;
  /** Inserts or updates commitment types; returns how many rows changed. */
  upsertCommitmentTypes(types: readonly CommitmentTypeRecord[]): Promise<number>;
  ping(): Promise<void>;
}

// The legacy RLS rule, enforced here: profiles are for signed-in callers only.
function seesProfiles(viewer: Viewer): boolean {
  return viewer.kind !== 'anonymous';
}

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw targetError('oltp', sqlState(error), error);
  }
}

/** Opens the OLTP adapter over `db`, whose `oltp` schema is migrated. */
export function createOltpStore(db: Database): OltpStore {
  return {
    db,
    async profilesByIds(viewer, ids) {
      const wanted = ids.filter(isUuid);
      if (!seesProfiles(viewer) || wanted.length === 0) return [];
      return run(async () =>
        (await db.query('select * from oltp.profiles where id = any($1::uuid[])', [wanted])).map(toProfile),
      );
    },
    async commitmentTypesByIds(_viewer, ids) {
      const wanted = ids.filter(isUuid);
      if (wanted.length === 0) return [];
      return run(async () =>
        (await db.query('select * from oltp.commitment_types where id = any($1::uuid[])', [wanted])).map(
          toCommitmentType,
        ),
      );
    },
    listCommitmentTypes: () =>
      run(async () =>
        (await db.query('select * from oltp.commitment_types order by name')).map(toCommitmentType),
      ),
    async upsertProfiles(profiles) {
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
    },
    async upsertCommitmentTypes(types) {
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
    },
    async ping() {
      await db.query('select 1');
    },
  };
}
