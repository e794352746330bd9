import { randomUUID } from 'node:crypto';
import { ErrorCode, FigwayError } from '../../errors.ts';
import type {
  CommitmentRecord,
  CommitmentStatus,
  ConnectStore,
  DocumentRecord,
  NewCommitment,
  PartyRecord,
  PartyRole,
} from '../connectStore.ts';
import type { Viewer } from '../viewer.ts';
import { type CommitmentDocument, commitmentOf, documentsOf, partiesOf } from './commitmentDocument.ts';

/**
 * What a write does to a commitment, given the commitment as the writer sees it (null
 * when it cannot see it): the new document and the write's answer, or no write and the
 * answer. Both ledger adapters (in process and over the QLDB driver) run the same
 * changes, so they answer alike; each may run a change again after a conflict.
 */
export type CommitmentChange<T> = (
  current: CommitmentDocument | null,
) => { next: CommitmentDocument; result: T } | { none: T };

/** The error of a write to a commitment the writer is no party to (or cannot see). */
export function notAParty(): FigwayError {
  return new FigwayError(ErrorCode.FORBIDDEN, 'Not allowed: you are not a party to this commitment.');
}

/** A new commitment by `creator` (its CREATOR party), at `at`, with a new id. */
export function commitmentCreation(
  creator: string,
  input: NewCommitment,
  at: string,
): { id: string; change: CommitmentChange<CommitmentRecord> } {
  const id = randomUUID();
  const document: CommitmentDocument = {
    id,
    title: input.title,
    description: input.description,
    typeId: input.typeId,
    status: 'DRAFT',
    terms: input.terms,
    version: 1,
    createdBy: creator,
    createdAt: at,
    updatedAt: at,
    parties: [{ id: randomUUID(), profileId: creator, role: 'CREATOR', joinedAt: at }],
    documents: [],
  };
  return { id, change: () => ({ next: document, result: commitmentOf(document) }) };
}

/** Moves a commitment from `from` to `to`; no write (null) when it is not visible or no longer in `from`. */
export function statusChange(
  from: CommitmentStatus,
  to: CommitmentStatus,
  now: () => string,
): CommitmentChange<CommitmentRecord | null> {
  return (current) => {
    if (current === null || current.status !== from) return { none: null };
    // `version` counts changes to the commitment's own fields, as the legacy column does.
    const next = { ...current, status: to, version: current.version + 1, updatedAt: now() };
    return { next, result: commitmentOf(next) };
  };
}

/** Adds a party; FORBIDDEN when the commitment is not visible, CONFLICT when the profile is a party already. */
export function partyAddition(
  commitmentId: string,
  profileId: string,
  role: PartyRole,
  now: () => string,
): CommitmentChange<PartyRecord> {
  return (current) => {
    if (current === null) throw notAParty();
    if (current.parties.some((party) => party.profileId === profileId)) {
      throw new FigwayError(ErrorCode.CONFLICT, 'That already exists.');
    }
    const party = { id: randomUUID(), profileId, role, joinedAt: now() };
    return {
      next: { ...current, parties: [...current.parties, party] },
      result: { ...party, commitmentId },
    };
  };
}

/** Attaches a document, numbered after those of the same name; FORBIDDEN when the commitment is not visible. */
export function documentAttachment(
  commitmentId: string,
  name: string,
  url: string,
  uploadedBy: string | null,
  now: () => string,
): CommitmentChange<DocumentRecord> {
  return (current) => {
    if (current === null) throw notAParty();
    const versions = current.documents.filter((entry) => entry.name === name).map((entry) => entry.version);
    const entry = {
      id: randomUUID(),
      name,
      url,
      version: Math.max(0, ...versions) + 1,
      uploadedBy,
      uploadedAt: now(),
    };
    return {
      next: { ...current, documents: [...current.documents, entry] },
      result: { ...entry, commitmentId },
    };
  };
}

/** How a ledger adapter reads the commitments a viewer may see, and writes one change. */
export interface CommitmentAccess {
  visibleDocuments(viewer: Viewer, ids: readonly string[]): Promise<CommitmentDocument[]>;
  change<T>(viewer: Viewer, id: string, apply: CommitmentChange<T>): Promise<T>;
  /** The time written into createdAt, updatedAt, joinedAt, uploadedAt, as an ISO instant. */
  now(): string;
}

/**
 * The parts and writes of the Connect port that both ledger adapters build the same way
 * from their own reads and their own way of writing a change.
 */
export function commitmentPartsAndWrites(
  access: CommitmentAccess,
): Pick<
  ConnectStore,
  | 'partiesByCommitmentIds'
  | 'documentsByCommitmentIds'
  | 'createCommitment'
  | 'updateCommitmentStatus'
  | 'addParty'
  | 'attachDocument'
> {
  const { visibleDocuments, change, now } = access;
  return {
    partiesByCommitmentIds: async (viewer, ids) => (await visibleDocuments(viewer, ids)).flatMap(partiesOf),
    documentsByCommitmentIds: async (viewer, ids) =>
      (await visibleDocuments(viewer, ids)).flatMap(documentsOf),
    async createCommitment(viewer, input) {
      const creator = viewer.kind === 'anonymous' ? null : viewer.id;
      if (creator === null) throw notAParty();
      const { id, change: create } = commitmentCreation(creator, input, now());
      return change(viewer, id, create);
    },
    updateCommitmentStatus: (viewer, id, from, to) => change(viewer, id, statusChange(from, to, now)),
    addParty: (viewer, commitmentId, profileId, role) =>
      change(viewer, commitmentId, partyAddition(commitmentId, profileId, role, now)),
    attachDocument: (viewer, commitmentId, name, url) =>
      change(
        viewer,
        commitmentId,
        documentAttachment(commitmentId, name, url, viewer.kind === 'anonymous' ? null : viewer.id, now),
      ),
  };
}
