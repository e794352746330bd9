import { type Database, sqlState } from '../../core/database.ts';
import type { CommitmentTypeRecord, ConnectStore, ProfileRecord } from '../connectStore.ts';
import { isUuid } from '../connectStore.ts';
import { toCommitmentType, toProfile } from '../supabase/rows.ts';
import { targetError } from '../targetError.ts';
import type { Viewer } from '../viewer.ts';
import { upsertCommitmentTypes, upsertProfiles } from './oltpWrites.ts';

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
    upsertProfiles: (profiles) => upsertProfiles(db, profiles),
    upsertCommitmentTypes: (types) => upsertCommitmentTypes(db, types),
    async ping() {
      await db.query('select 1');
    },
  };
}
