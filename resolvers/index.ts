import { Commitment } from './Commitment.ts';
import { CommitmentDocument } from './CommitmentDocument.ts';
import { CommitmentRevision } from './CommitmentRevision.ts';
import { DateTime } from './DateTime.ts';
import { Mutation } from './Mutation.ts';
import { Party } from './Party.ts';
import { Profile } from './Profile.ts';
import { Query } from './Query.ts';

/** The resolver map of the Connect schema, one entry per GraphQL type. */
export const resolvers = {
  DateTime,
  Query,
  Mutation,
  Commitment,
  Party,
  Profile,
  CommitmentDocument,
  CommitmentRevision,
};

export {
  createGatewayContext,
  type GatewayBackends,
  type GatewayContext,
  type LedgerAccess,
} from './gatewayContext.ts';
