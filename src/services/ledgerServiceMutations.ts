import { type CommitmentStatus, isUuid, type PartyRole } from '../backends/connectStore.ts';
import type { LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import type { Viewer } from '../backends/viewer.ts';
import { withWriteIntent } from '../core/writeIntent.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { LedgerServiceContext } from './ledgerServiceContext.ts';

// Writes are made by someone: the store would refuse an anonymous caller as not a party,
// which tells them less than the gateway does.
function requireSignedIn(viewer: Viewer): void {
  if (viewer.kind !== 'anonymous') return;
  throw new FigwayError(
    ErrorCode.UNAUTHENTICATED,
    'Sign in to change data: send "Authorization: Bearer <jwt>".',
  );
}

function requireUuid(field: string, value: string): void {
  if (isUuid(value)) return;
  throw new FigwayError(ErrorCode.BAD_USER_INPUT, `${field} must be a UUID.`, { field });
}

// The legacy tables refuse these lengths with a check constraint: the ledger refuses them too.
function requireLength(field: string, value: string, max: number): void {
  if (value.length >= 1 && value.length <= max) return;
  throw new FigwayError(ErrorCode.BAD_USER_INPUT, `${field} must be 1 to ${max} characters long.`, {
    field,
  });
}

// The store commits the outbox row of a write legacy must receive when it finds the
// intent in its async context: the gateway's, carried here by the header.
function asIntended<T>(context: LedgerServiceContext, write: () => Promise<T>): Promise<T> {
  return context.writeIntent === null ? write() : withWriteIntent(context.writeIntent, write);
}

interface CreateArgs {
  input: { title: string; description?: string | null; typeId: string; terms?: string | null };
}

/**
 * The writes of the ledger contract, as the gateway's target side makes them: each
 * runs as the caller, on a commitment the caller can see. The Connect app's own rules
 * (status transitions, what a WITNESS may do, trimming) are the caller's to check
 * before it writes, as they are for legacy, whose row-level security lets any party
 * write; what the stored data itself requires (UUID keys, one CREATOR, the lengths the
 * legacy tables constrain) is checked here, before anything is written.
 */
export function ledgerWriteResolvers(commitments: LedgerCommitments) {
  return {
    createCommitment(_: unknown, { input }: CreateArgs, context: LedgerServiceContext) {
      requireSignedIn(context.viewer);
      requireLength('title', input.title, 200);
      requireUuid('typeId', input.typeId);
      return asIntended(context, () =>
        commitments.createCommitment(context.viewer, {
          title: input.title,
          description: input.description ?? '',
          typeId: input.typeId,
          terms: input.terms ?? '',
        }),
      );
    },
    updateCommitmentStatus(
      _: unknown,
      args: { id: string; from: CommitmentStatus; to: CommitmentStatus },
      context: LedgerServiceContext,
    ) {
      requireSignedIn(context.viewer);
      return asIntended(context, () =>
        commitments.updateCommitmentStatus(context.viewer, args.id, args.from, args.to),
      );
    },
    addParty(
      _: unknown,
      args: { commitmentId: string; profileId: string; role: PartyRole },
      context: LedgerServiceContext,
    ) {
      requireSignedIn(context.viewer);
      requireUuid('profileId', args.profileId);
      if (args.role === 'CREATOR') {
        throw new FigwayError(
          ErrorCode.BAD_USER_INPUT,
          'A commitment has one CREATOR; add a PARTICIPANT or WITNESS.',
          { field: 'role' },
        );
      }
      return asIntended(context, () =>
        commitments.addParty(context.viewer, args.commitmentId, args.profileId, args.role),
      );
    },
    attachDocument(
      _: unknown,
      args: { commitmentId: string; input: { name: string; url: string } },
      context: LedgerServiceContext,
    ) {
      requireSignedIn(context.viewer);
      requireLength('name', args.input.name, 200);
      return asIntended(context, () =>
        commitments.attachDocument(context.viewer, args.commitmentId, args.input.name, args.input.url),
      );
    },
  };
}
