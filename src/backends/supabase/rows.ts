import type { Row } from '../../core/database.ts';
import type {
  CommitmentRecord,
  CommitmentStatus,
  CommitmentTypeRecord,
  DocumentRecord,
  PartyRecord,
  PartyRole,
  ProfileRecord,
} from '../connectStore.ts';

// Rows arrive from pg and PGlite (timestamps as Date) and from PostgREST
// (timestamps as strings with an offset); both become ISO-8601 UTC strings.
function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Maps a `public.profiles` row. */
export function toProfile(row: Row): ProfileRecord {
  return {
    id: text(row.id),
    username: text(row.username),
    displayName: text(row.display_name),
    avatarUrl: nullableText(row.avatar_url),
    createdAt: iso(row.created_at),
  };
}

/** Maps a `public.commitment_types` row. */
export function toCommitmentType(row: Row): CommitmentTypeRecord {
  return { id: text(row.id), name: text(row.name), description: text(row.description) };
}

/** Maps a `public.commitments` row. */
export function toCommitment(row: Row): CommitmentRecord {
  return {
    id: text(row.id),
    title: text(row.title),
    description: text(row.description),
    typeId: text(row.type_id),
    status: text(row.status) as CommitmentStatus,
    terms: text(row.terms),
    version: Number(row.version),
    createdBy: text(row.created_by),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Maps a `public.commitment_parties` row. */
export function toParty(row: Row): PartyRecord {
  return {
    id: text(row.id),
    commitmentId: text(row.commitment_id),
    profileId: text(row.profile_id),
    role: text(row.role) as PartyRole,
    joinedAt: iso(row.joined_at),
  };
}

/** Maps a `public.commitment_documents` row. */
export function toDocument(row: Row): DocumentRecord {
  return {
    id: text(row.id),
    commitmentId: text(row.commitment_id),
    name: text(row.name),
    url: text(row.url),
    version: Number(row.version),
    uploadedBy: nullableText(row.uploaded_by),
    uploadedAt: iso(row.uploaded_at),
  };
}
