import { CommitOutcomeUnknownError, type Database, type Row, sqlState } from '../../core/database.ts';
import { FigwayError } from '../../errors.ts';
import type {
  CommitmentPageQuery,
  CommitmentStatus,
  ConnectStore,
  NewCommitment,
  PartyRole,
} from '../connectStore.ts';
import { isUuid } from '../connectStore.ts';
import { unansweredWriteError } from '../unansweredWriteError.ts';
import { databaseClaims, databaseRole, type Viewer } from '../viewer.ts';
import { legacyError } from './legacyError.ts';
import { toCommitment, toCommitmentType, toDocument, toParty, toProfile } from './rows.ts';

// Exactly what PostgREST does before each request: switch to the caller's role
// and expose their claims, both local to the transaction, so RLS decides.
const AS_VIEWER = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";

const SQL = {
  profiles: 'select * from public.profiles where id = any($1::uuid[])',
  typesByIds: 'select * from public.commitment_types where id = any($1::uuid[])',
  types: 'select * from public.commitment_types order by name',
  commitments: 'select * from public.commitments where id = any($1::uuid[])',
  page: `select * from public.commitments
    where ($1::text is null or status = $1)
      and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
    order by created_at desc, id desc
    limit $2`,
  parties: `select * from public.commitment_parties
    where commitment_id = any($1::uuid[]) order by joined_at, id`,
  documents: `select * from public.commitment_documents
    where commitment_id = any($1::uuid[]) order by uploaded_at, name, version`,
  create: `insert into public.commitments (title, description, type_id, terms)
    values ($1, $2, $3, $4) returning *`,
  setStatus: `update public.commitments set status = $3
    where id = $1 and status = $2 returning *`,
  addParty: `insert into public.commitment_parties (commitment_id, profile_id, role)
    values ($1, $2, $3) returning *`,
  attach: `insert into public.commitment_documents (commitment_id, name, url)
    values ($1, $2, $3) returning *`,
} as const;

/**
 * The legacy adapter that talks to the Supabase database directly, running every
 * call as the calling user inside its own transaction, so row-level security applies
 * exactly as it does behind PostgREST. A write whose COMMIT was sent and not answered
 * (the connection was lost) may have been made: its error carries `extensions.outcome: 'unknown'`.
 */
export function createPostgresTransport(db: Database): ConnectStore {
  async function asViewer(viewer: Viewer, sql: string, params: readonly unknown[], write = false) {
    try {
      // One round trip: begin, the role and claims, the statement and commit go together.
      const settings = [databaseRole(viewer), JSON.stringify(databaseClaims(viewer))];
      const [, rows = []] = await db.pipeline([
        { sql: AS_VIEWER, params: settings },
        { sql, params },
      ]);
      return rows;
    } catch (error) {
      // REQUEST_TIMEOUT from the database's time budget already says what happened.
      if (error instanceof FigwayError) throw error;
      // COMMIT went out with the write and its answer was lost: the write may have been made.
      if (write && error instanceof CommitOutcomeUnknownError) throw unansweredWriteError('legacy');
      throw legacyError({ code: sqlState(error), message: String(error) });
    }
  }

  async function byIds<T>(viewer: Viewer, sql: string, ids: readonly string[], map: (row: Row) => T) {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return [];
    return (await asViewer(viewer, sql, [wanted])).map(map);
  }

  async function one<T>(viewer: Viewer, sql: string, params: readonly unknown[], map: (row: Row) => T) {
    const [row] = await asViewer(viewer, sql, params, true);
    return row === undefined ? null : map(row);
  }

  return {
    name: `supabase/postgres (${db.engine})`,
    profilesByIds: (viewer, ids) => byIds(viewer, SQL.profiles, ids, toProfile),
    commitmentTypesByIds: (viewer, ids) => byIds(viewer, SQL.typesByIds, ids, toCommitmentType),
    listCommitmentTypes: async (viewer) => (await asViewer(viewer, SQL.types, [])).map(toCommitmentType),
    commitmentsByIds: (viewer, ids) => byIds(viewer, SQL.commitments, ids, toCommitment),
    listCommitments: async (viewer, query: CommitmentPageQuery) =>
      (
        await asViewer(viewer, SQL.page, [
          query.status,
          query.limit,
          query.after?.createdAt ?? null,
          query.after?.id ?? null,
        ])
      ).map(toCommitment),
    partiesByCommitmentIds: (viewer, ids) => byIds(viewer, SQL.parties, ids, toParty),
    documentsByCommitmentIds: (viewer, ids) => byIds(viewer, SQL.documents, ids, toDocument),
    async createCommitment(viewer, input: NewCommitment) {
      const params = [input.title, input.description, input.typeId, input.terms];
      const created = await one(viewer, SQL.create, params, toCommitment);
      if (created === null) throw new Error('insert returned no row');
      return created;
    },
    updateCommitmentStatus: (viewer, id, from: CommitmentStatus, to: CommitmentStatus) =>
      one(viewer, SQL.setStatus, [id, from, to], toCommitment),
    async addParty(viewer, commitmentId, profileId, role: PartyRole) {
      const party = await one(viewer, SQL.addParty, [commitmentId, profileId, role], toParty);
      if (party === null) throw new Error('insert returned no row');
      return party;
    },
    async attachDocument(viewer, commitmentId, name, url) {
      const document = await one(viewer, SQL.attach, [commitmentId, name, url], toDocument);
      if (document === null) throw new Error('insert returned no row');
      return document;
    },
    async ping() {
      await db.query('select 1');
    },
    close: () => db.close(),
  };
}
