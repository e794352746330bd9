import {
  type CommitmentRecord,
  type CommitmentStatus,
  type DocumentRecord,
  isUuid,
  type PartyRecord,
} from '../backends/connectStore.ts';
import {
  type CommitmentDocument,
  commitmentPartsOf,
  documentsOf,
  partiesOf,
} from '../backends/ledger/commitmentDocument.ts';
import type { LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import type { LedgerRevision } from '../backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import { verificationAnswer, verifyCommitment } from '../backends/ledger/verifyCommitment.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { type BatchObserver, checkedIds, MAX_BATCH_IDS } from './batchIds.ts';
import type { LedgerServiceContext } from './ledgerServiceContext.ts';

type Revision = LedgerRevision<CommitmentDocument>;

// A commitment from a revision carries its parties and documents as they were.
function isSnapshot(commitment: CommitmentRecord): commitment is CommitmentDocument {
  return 'parties' in commitment && Array.isArray(commitment.parties);
}

interface PageArgs {
  status?: CommitmentStatus | null;
  first?: number | null;
  after?: { createdAt: string; id: string } | null;
}

function checkedPage(args: PageArgs) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_BATCH_IDS) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${MAX_BATCH_IDS}.`, {
      field: 'first',
    });
  }
  const after = args.after ?? null;
  // The id goes into a text comparison: a value no commitment can have is the caller's mistake.
  if (after !== null && !isUuid(after.id)) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, 'after.id must be the id of a commitment.', {
      field: 'after',
    });
  }
  return { first, after };
}

/** The parts of the ledger contract that read: the object types' fields and Query. */
export function ledgerReadResolvers(
  parts: { ledger: Ledger; commitments: LedgerCommitments },
  onBatch: BatchObserver,
) {
  const { ledger, commitments } = parts;
  const batch = (field: string, ids: readonly string[]) => {
    const wanted = checkedIds(field, ids);
    onBatch(field, wanted.length);
    return wanted;
  };
  const Query = {
    commitmentsByIds: (_: unknown, args: { ids: string[] }, context: LedgerServiceContext) =>
      commitments.commitmentsByIds(context.viewer, batch('commitmentsByIds', args.ids)),
    partiesByCommitmentIds: (_: unknown, args: { ids: string[] }, context: LedgerServiceContext) =>
      commitments.partiesByCommitmentIds(context.viewer, batch('partiesByCommitmentIds', args.ids)),
    documentsByCommitmentIds: (_: unknown, args: { ids: string[] }, context: LedgerServiceContext) =>
      commitments.documentsByCommitmentIds(context.viewer, batch('documentsByCommitmentIds', args.ids)),
    historyByCommitmentIds: (_: unknown, args: { ids: string[] }, context: LedgerServiceContext) =>
      commitments.historyByIds(context.viewer, batch('historyByCommitmentIds', args.ids)),
    async commitments(_: unknown, args: PageArgs, context: LedgerServiceContext) {
      const { first, after } = checkedPage(args);
      const rows = await commitments.listCommitments(context.viewer, {
        status: args.status ?? null,
        limit: first + 1,
        after,
      });
      return { nodes: rows.slice(0, first), hasNextPage: rows.length > first };
    },
    async verifyCommitment(
      _: unknown,
      args: { id: string; version?: number | null },
      context: LedgerServiceContext,
    ) {
      const result = await verifyCommitment(
        ledger,
        commitments,
        context.viewer,
        args.id,
        args.version ?? undefined,
      );
      return result === null ? null : verificationAnswer(result);
    },
  };
  const Commitment = {
    type: (commitment: CommitmentRecord) => ({ id: commitment.typeId }),
    createdBy: (commitment: CommitmentRecord) => ({ id: commitment.createdBy }),
    // Read off the document the commitment came from: no second read of the same document.
    parties: (commitment: CommitmentRecord, _: unknown, context: LedgerServiceContext) =>
      isSnapshot(commitment)
        ? partiesOf(commitment)
        : (commitmentPartsOf(commitment)?.parties ?? context.parties.load(commitment.id)),
    documents: (commitment: CommitmentRecord, _: unknown, context: LedgerServiceContext) =>
      isSnapshot(commitment)
        ? documentsOf(commitment)
        : (commitmentPartsOf(commitment)?.documents ?? context.documents.load(commitment.id)),
    history: (commitment: CommitmentRecord, _: unknown, context: LedgerServiceContext) =>
      context.history.load(commitment.id),
  };
  return {
    Query,
    Commitment,
    Party: { profile: (party: PartyRecord) => ({ id: party.profileId }) },
    CommitmentDocument: {
      uploadedBy: (entry: DocumentRecord) => (entry.uploadedBy === null ? null : { id: entry.uploadedBy }),
    },
    CommitmentRevision: {
      commitmentId: (revision: Revision) => revision.metadata.id,
      version: (revision: Revision) => revision.metadata.version,
      txTime: (revision: Revision) => revision.metadata.txTime,
      txId: (revision: Revision) => revision.metadata.txId,
      commitment: (revision: Revision) => revision.data,
    },
  };
}
