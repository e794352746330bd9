import type { CommitmentRecord, CommitmentStatus } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { migrate } from '../src/routing/migrate.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { SideStores } from './gatewayContext.ts';
import { onEitherSide } from './onEitherSide.ts';
import { verifyCommitmentField } from './verifyCommitmentField.ts';

const MAX_PAGE = 100;

interface CommitmentsArgs {
  status?: CommitmentStatus | null;
  first?: number | null;
  after?: string | null;
}

async function commitmentsOn(side: SideStores, _: unknown, args: CommitmentsArgs) {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${MAX_PAGE}.`, {
      field: 'first',
    });
  }
  const after = args.after === undefined || args.after === null ? null : decodeCursor(args.after);
  const rows = await side.loaders.commitmentPage({ status: args.status ?? null, limit: first + 1, after });
  const page = rows.slice(0, first);
  const edges = page.map((node: CommitmentRecord) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Resolvers of the root query type; every field but verifyCommitment is a migration unit. */
export const Query = {
  me: migrate(
    'Query.me',
    onEitherSide((side, _parent, _args, context) => {
      const { viewer } = context;
      if (viewer.kind === 'anonymous' || viewer.id === null) return null;
      return side.loaders.profile.load(viewer.id);
    }),
  ),
  commitment: migrate(
    'Query.commitment',
    onEitherSide((side, _parent, args: { id: string }) => side.loaders.commitment.load(args.id)),
  ),
  commitments: migrate('Query.commitments', onEitherSide(commitmentsOn)),
  commitmentTypes: migrate(
    'Query.commitmentTypes',
    onEitherSide((side, _parent, _args, context) => side.store.listCommitmentTypes(context.viewer)),
  ),
  verifyCommitment: verifyCommitmentField,
};
