import type { CommitmentRecord, CommitmentStatus } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { GatewayContext } from './gatewayContext.ts';
import { verifyCommitmentField } from './verifyCommitmentField.ts';

const MAX_PAGE = 100;

interface CommitmentsArgs {
  status?: CommitmentStatus | null;
  first?: number | null;
  after?: string | null;
}

async function commitments(_: unknown, args: CommitmentsArgs, context: GatewayContext) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${MAX_PAGE}.`, {
      field: 'first',
    });
  }
  const after = args.after === undefined || args.after === null ? null : decodeCursor(args.after);
  const rows = await context.legacy.listCommitments(context.viewer, {
    status: args.status ?? null,
    limit: first + 1,
    after,
  });
  const page = rows.slice(0, first);
  for (const row of page) context.loaders.commitment.prime(row.id, row);
  const edges = page.map((node: CommitmentRecord) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Resolvers of the root query type. */
export const Query = {
  me(_: unknown, __: unknown, context: GatewayContext) {
    const { viewer } = context;
    if (viewer.kind === 'anonymous' || viewer.id === null) return null;
    return context.loaders.profile.load(viewer.id);
  },
  commitment(_: unknown, args: { id: string }, context: GatewayContext) {
    return context.loaders.commitment.load(args.id);
  },
  commitments,
  commitmentTypes(_: unknown, __: unknown, context: GatewayContext) {
    return context.legacy.listCommitmentTypes(context.viewer);
  },
  verifyCommitment: verifyCommitmentField,
};
