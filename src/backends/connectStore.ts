import type { Viewer } from './viewer.ts';

/** Where a commitment stands in its life. */
export type CommitmentStatus = 'DRAFT' | 'PROPOSED' | 'ACTIVE' | 'FULFILLED' | 'BREACHED' | 'CANCELLED';

/** The part a profile plays in a commitment. */
export type PartyRole = 'CREATOR' | 'PARTICIPANT' | 'WITNESS';

/** A user's public profile. Timestamps are ISO-8601 UTC strings. */
export interface ProfileRecord {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: string;
}

/** A kind of commitment (loan, service agreement, ...). */
export interface CommitmentTypeRecord {
  id: string;
  name: string;
  description: string;
}

/** A commitment as stored, without its parties and documents. */
export interface CommitmentRecord {
  id: string;
  title: string;
  description: string;
  typeId: string;
  status: CommitmentStatus;
  terms: string;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A profile's seat in a commitment. */
export interface PartyRecord {
  id: string;
  commitmentId: string;
  profileId: string;
  role: PartyRole;
  joinedAt: string;
}

/** One version of a document attached to a commitment. */
export interface DocumentRecord {
  id: string;
  commitmentId: string;
  name: string;
  url: string;
  version: number;
  uploadedBy: string | null;
  uploadedAt: string;
}

/** Where a page of commitments starts: after this (createdAt, id), newest first. */
export interface CommitmentCursor {
  createdAt: string;
  id: string;
}

/** A request for one page of the viewer's commitments, newest first. */
export interface CommitmentPageQuery {
  status: CommitmentStatus | null;
  /** Rows wanted; the store returns up to `limit`, the caller asks one more to see if a page follows. */
  limit: number;
  after: CommitmentCursor | null;
}

/** The fields a new commitment is created with; its creator is the viewer. */
export interface NewCommitment {
  title: string;
  description: string;
  typeId: string;
  terms: string;
}

/**
 * The port for the Connect domain that every backend adapter implements: legacy
 * Supabase now, the ledger and OLTP targets later. Every call runs as `viewer`
 * and sees only what that viewer may see. Reads of unknown ids leave them out
 * of the result; writes raise `FigwayError`s from the catalogue.
 */
export interface ConnectStore {
  /** A short name for logs and health reports, e.g. `supabase/postgres`. */
  readonly name: string;
  profilesByIds(viewer: Viewer, ids: readonly string[]): Promise<ProfileRecord[]>;
  commitmentTypesByIds(viewer: Viewer, ids: readonly string[]): Promise<CommitmentTypeRecord[]>;
  listCommitmentTypes(viewer: Viewer): Promise<CommitmentTypeRecord[]>;
  commitmentsByIds(viewer: Viewer, ids: readonly string[]): Promise<CommitmentRecord[]>;
  listCommitments(viewer: Viewer, query: CommitmentPageQuery): Promise<CommitmentRecord[]>;
  partiesByCommitmentIds(viewer: Viewer, ids: readonly string[]): Promise<PartyRecord[]>;
  documentsByCommitmentIds(viewer: Viewer, ids: readonly string[]): Promise<DocumentRecord[]>;
  /**
   * For a store whose commitments carry their parties and documents (the ledger keeps a
   * commitment as one document): reads them off a commitment this store returned, or
   * null when it holds none. A request's loaders then answer parties and documents from
   * the commitments they already loaded, without reading the same documents again.
   */
  partsOf?(commitment: CommitmentRecord): { parties: PartyRecord[]; documents: DocumentRecord[] } | null;
  createCommitment(viewer: Viewer, input: NewCommitment): Promise<CommitmentRecord>;
  /**
   * Moves a commitment from `from` to `to` if it still is in `from`.
   * Returns `null` when the row is not visible or its status changed meanwhile.
   */
  updateCommitmentStatus(
    viewer: Viewer,
    id: string,
    from: CommitmentStatus,
    to: CommitmentStatus,
  ): Promise<CommitmentRecord | null>;
  addParty(viewer: Viewer, commitmentId: string, profileId: string, role: PartyRole): Promise<PartyRecord>;
  attachDocument(viewer: Viewer, commitmentId: string, name: string, url: string): Promise<DocumentRecord>;
  /** Resolves when the backend answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` has the shape of a UUID; other ids can name nothing. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
