import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { LEGACY_SQL, type LegacyRow, type ReadAsCaller } from './bareLegacyReads.ts';

/** The part of figway's schema the peers benchmark's queries use, as its SDL files declare it. */
export const BARE_TYPE_DEFS = `#graphql
enum CommitmentStatus { DRAFT PROPOSED ACTIVE FULFILLED BREACHED CANCELLED }
enum PartyRole { CREATOR PARTICIPANT WITNESS }
type CommitmentType { id: ID! name: String! description: String! }
type Profile { id: ID! username: String! displayName: String! avatarUrl: String }
type Party { id: ID! role: PartyRole! profile: Profile! }
type Commitment {
  id: ID!
  title: String!
  description: String!
  type: CommitmentType!
  status: CommitmentStatus!
  terms: String!
  parties: [Party!]!
}
type CommitmentEdge { cursor: String! node: Commitment! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type CommitmentConnection { edges: [CommitmentEdge!]! pageInfo: PageInfo! }
type Query {
  commitment(id: ID!): Commitment
  commitments(status: CommitmentStatus, first: Int = 20): CommitmentConnection!
}
`;

interface Commitment {
  id: string;
  title: string;
  description: string;
  typeId: string;
  status: string;
  terms: string;
  createdAt: string;
}

interface Party {
  id: string;
  commitmentId: string;
  profileId: string;
  role: string;
}

/** What every resolver of one request sees: the request's loaders and its reader. */
export interface BareContext {
  read: ReadAsCaller;
  commitment: DataLoader<string, Commitment | null>;
  commitmentType: DataLoader<string, LegacyRow | null>;
  parties: DataLoader<string, Party[]>;
  profile: DataLoader<string, Profile | null>;
}

interface Profile {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGE = 100;

const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString();

const toCommitment = (row: LegacyRow): Commitment => ({
  id: String(row.id),
  title: String(row.title),
  description: String(row.description),
  typeId: String(row.type_id),
  status: String(row.status),
  terms: String(row.terms),
  createdAt: iso(row.created_at),
});

const toParty = (row: LegacyRow): Party => ({
  id: String(row.id),
  commitmentId: String(row.commitment_id),
  profileId: String(row.profile_id),
  role: String(row.role),
});

const toProfile = (row: LegacyRow): Profile => ({
  id: String(row.id),
  username: String(row.username),
  displayName: String(row.display_name),
  avatarUrl: row.avatar_url === null ? null : String(row.avatar_url),
});

// One statement per kind and tick, for the ids that are UUIDs (others match nothing).
function byId<T>(read: ReadAsCaller, sql: string, map: (row: LegacyRow) => T & { id: string }) {
  return new DataLoader<string, T | null>(async (ids) => {
    const wanted = ids.filter((id) => UUID.test(id));
    const rows = wanted.length === 0 ? [] : (await read(sql, [wanted])).map(map);
    const found = new Map(rows.map((record) => [record.id, record]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** The loaders of one request, reading legacy through `read`. */
export function createBareContext(read: ReadAsCaller): BareContext {
  return {
    read,
    commitment: byId(read, LEGACY_SQL.commitments, toCommitment),
    commitmentType: byId(read, LEGACY_SQL.typesByIds, (row) => ({ ...row, id: String(row.id) })),
    profile: byId(read, LEGACY_SQL.profiles, toProfile),
    parties: new DataLoader<string, Party[]>(async (ids) => {
      const grouped = new Map<string, Party[]>(ids.map((id) => [id, []]));
      for (const row of await read(LEGACY_SQL.parties, [ids.filter((id) => UUID.test(id))]))
        grouped.get(String(row.commitment_id))?.push(toParty(row));
      return ids.map((id) => grouped.get(id) ?? []);
    }),
  };
}

// figway's cursor: the commitment's (createdAt, id), base64url-encoded JSON.
const cursorOf = (commitment: Commitment) =>
  Buffer.from(JSON.stringify([commitment.createdAt, commitment.id])).toString('base64url');

async function commitments(
  _: unknown,
  args: { status?: string | null; first?: number | null },
  context: BareContext,
) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new GraphQLError(`first must be between 1 and ${MAX_PAGE}.`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'first' },
    });
  }
  const rows = (await context.read(LEGACY_SQL.page, [args.status ?? null, first + 1, null, null])).map(
    toCommitment,
  );
  const page = rows.slice(0, first);
  for (const row of page) context.commitment.prime(row.id, row);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Hand-written resolvers over legacy only: no routing, no flags, no shadow reads. */
export const bareResolvers = {
  Query: {
    commitment: (_: unknown, args: { id: string }, context: BareContext) => context.commitment.load(args.id),
    commitments,
  },
  Commitment: {
    type: (commitment: Commitment, _: unknown, context: BareContext) =>
      context.commitmentType.load(commitment.typeId),
    // The creator first, then the others in the order they joined, as figway answers.
    parties: async (commitment: Commitment, _: unknown, context: BareContext) =>
      [...(await context.parties.load(commitment.id))].sort(
        (a, b) => Number(b.role === 'CREATOR') - Number(a.role === 'CREATOR'),
      ),
  },
  Party: {
    profile: (party: Party, _: unknown, context: BareContext) => context.profile.load(party.profileId),
  },
};
