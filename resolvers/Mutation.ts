import type { CommitmentRecord, CommitmentStatus, PartyRole } from '../src/backends/connectStore.ts';
import { isUuid } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { migrate } from '../src/routing/migrate.ts';
import {
  assertPartyMay,
  assertStatusTransition,
  checkedText,
  checkedUrl,
  type PartyAction,
} from './commitmentRules.ts';
import { type GatewayContext, requireProfileId, type SideStores } from './gatewayContext.ts';
import { onEitherSide } from './onEitherSide.ts';

interface CreateCommitmentArgs {
  input: { title: string; description?: string | null; typeId: string; terms?: string | null };
}

// A commitment the caller cannot see is reported exactly like one that does not
// exist, so a mutation never reveals what row-level security hides.
async function visibleCommitment(side: SideStores, id: string): Promise<CommitmentRecord> {
  const commitment = await side.loaders.commitment.load(id);
  if (commitment === null) {
    throw new FigwayError(ErrorCode.NOT_FOUND, `No commitment with id ${id} is visible to you.`, { id });
  }
  return commitment;
}

// The commitment, once the viewer is known to be a party who may do `action` to it
// on this side (a WITNESS may not): figway enforces the party rules on both sides.
async function actOn(
  side: SideStores,
  context: GatewayContext,
  id: string,
  action: PartyAction,
): Promise<CommitmentRecord> {
  const commitment = await visibleCommitment(side, id);
  assertPartyMay(context.viewer, commitment, await side.loaders.parties.load(id), action);
  return commitment;
}

async function createCommitment(
  side: SideStores,
  _: unknown,
  { input }: CreateCommitmentArgs,
  context: GatewayContext,
) {
  requireProfileId(context);
  const title = checkedText('title', input.title, 1, 200);
  const description = checkedText('description', input.description ?? '', 0, 5000);
  const terms = checkedText('terms', input.terms ?? '', 0, 20_000);
  const type = await side.loaders.commitmentType.load(input.typeId);
  if (type === null) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `No commitment type with id ${input.typeId}.`, {
      field: 'typeId',
    });
  }
  const created = await side.store.createCommitment(context.viewer, {
    title,
    description,
    typeId: type.id,
    terms,
  });
  side.loaders.commitment.prime(created.id, created);
  return created;
}

async function updateCommitmentStatus(
  side: SideStores,
  _: unknown,
  args: { id: string; status: CommitmentStatus },
  context: GatewayContext,
) {
  requireProfileId(context);
  const current = await actOn(side, context, args.id, 'change its status');
  assertStatusTransition(current.status, args.status);
  const updated = await side.store.updateCommitmentStatus(
    context.viewer,
    args.id,
    current.status,
    args.status,
  );
  if (updated === null) {
    throw new FigwayError(ErrorCode.CONFLICT, 'The commitment changed while you were updating it; retry.', {
      id: args.id,
    });
  }
  side.loaders.commitment.clear(args.id).prime(args.id, updated);
  return updated;
}

async function addParty(
  side: SideStores,
  _: unknown,
  args: { commitmentId: string; profileId: string; role: PartyRole },
  context: GatewayContext,
) {
  requireProfileId(context);
  if (args.role === 'CREATOR') {
    throw new FigwayError(
      ErrorCode.BAD_USER_INPUT,
      'A commitment has one CREATOR; add a PARTICIPANT or WITNESS.',
      {
        field: 'role',
      },
    );
  }
  await actOn(side, context, args.commitmentId, 'add a party');
  const profile = isUuid(args.profileId) ? await side.loaders.profile.load(args.profileId) : null;
  if (profile === null) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `No profile with id ${args.profileId}.`, {
      field: 'profileId',
    });
  }
  const seated = await side.loaders.parties.load(args.commitmentId);
  if (seated.some((party) => party.profileId === profile.id)) {
    throw new FigwayError(ErrorCode.CONFLICT, `${profile.username} is already a party to this commitment.`);
  }
  const party = await side.store.addParty(context.viewer, args.commitmentId, profile.id, args.role);
  // The commitment goes too: over the ledger its parties are read off its document.
  side.loaders.parties.clear(args.commitmentId);
  side.loaders.commitment.clear(args.commitmentId);
  return party;
}

async function attachDocument(
  side: SideStores,
  _: unknown,
  args: { commitmentId: string; input: { name: string; url: string } },
  context: GatewayContext,
) {
  requireProfileId(context);
  const name = checkedText('name', args.input.name, 1, 200);
  const url = checkedUrl('url', args.input.url);
  await actOn(side, context, args.commitmentId, 'attach a document');
  const document = await side.store.attachDocument(context.viewer, args.commitmentId, name, url);
  side.loaders.documents.clear(args.commitmentId);
  side.loaders.commitment.clear(args.commitmentId);
  return document;
}

/**
 * Resolvers of the root mutation type: each is a migration unit written to the
 * authoritative side of its stage, and each validates its input before anything is written.
 */
export const Mutation = {
  createCommitment: migrate('Mutation.createCommitment', onEitherSide(createCommitment)),
  updateCommitmentStatus: migrate('Mutation.updateCommitmentStatus', onEitherSide(updateCommitmentStatus)),
  addParty: migrate('Mutation.addParty', onEitherSide(addParty)),
  attachDocument: migrate('Mutation.attachDocument', onEitherSide(attachDocument)),
};
