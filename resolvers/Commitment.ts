import type { CommitmentRecord } from '../src/backends/connectStore.ts';
import {
  type CommitmentDocument,
  documentsOf,
  partiesOf,
} from '../src/backends/ledger/commitmentDocument.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { readAfterCommit } from '../src/routing/committedWrite.ts';
import { migrate } from '../src/routing/migrate.ts';
import { reference } from '../src/shadow/referenceField.ts';
import { type GatewayContext, requireLedger, type SideStores } from './gatewayContext.ts';
import { onEitherSide } from './onEitherSide.ts';

// A commitment from the ledger's history carries its parties and documents as
// they were, and shows them whatever the routes.
function isSnapshot(commitment: CommitmentRecord): commitment is CommitmentDocument {
  return 'parties' in commitment && Array.isArray(commitment.parties);
}

// The commitment as the side routed for this field holds it; the DataLoader makes it
// one statement per side per tick, and a cache hit when the side already loaded it.
async function commitmentOn(side: SideStores, commitment: CommitmentRecord): Promise<CommitmentRecord> {
  const found = await side.loaders.commitment.load(commitment.id);
  if (found === null) {
    throw new FigwayError(
      ErrorCode.NOT_FOUND,
      `Commitment ${commitment.id} is not in the ${side.side} backend.`,
      {
        backend: side.side,
      },
    );
  }
  return found;
}

async function partiesOn(side: SideStores, commitment: CommitmentRecord) {
  const parties = isSnapshot(commitment)
    ? partiesOf(commitment)
    : await side.loaders.parties.load(commitment.id);
  // The creator first, then the others in the order they joined.
  return [...parties].sort((a, b) => Number(b.role === 'CREATOR') - Number(a.role === 'CREATOR'));
}

/** Resolvers of Commitment; status, parties, documents and type are migration units. */
export const Commitment = {
  status: migrate(
    'Commitment.status',
    onEitherSide(async (side, commitment: CommitmentRecord) =>
      isSnapshot(commitment) ? commitment.status : (await commitmentOn(side, commitment)).status,
    ),
  ),
  parties: migrate('Commitment.parties', onEitherSide(partiesOn)),
  documents: migrate(
    'Commitment.documents',
    onEitherSide((side, commitment: CommitmentRecord) =>
      isSnapshot(commitment) ? documentsOf(commitment) : side.loaders.documents.load(commitment.id),
    ),
  ),
  type: migrate(
    'Commitment.type',
    onEitherSide((side, commitment: CommitmentRecord) => side.loaders.commitmentType.load(commitment.typeId)),
  ),
  // A reference: each Profile field is routed on its own.
  createdBy: reference((commitment: CommitmentRecord) => ({ id: commitment.createdBy })),
  // Not a unit: always the ledger. In a mutation's answer, a failure still says the write was saved.
  history(commitment: CommitmentRecord, _: unknown, context: GatewayContext, info: unknown) {
    return readAfterCommit(context, info, () => {
      requireLedger(context);
      return context.history?.load(commitment.id) ?? [];
    });
  },
};
