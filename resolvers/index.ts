import { DateTime } from '../src/schema/dateTimeScalar.ts';
import { Commitment } from './Commitment.ts';
import { CommitmentActivity } from './CommitmentActivity.ts';
import { CommitmentDocument } from './CommitmentDocument.ts';
import { CommitmentRevision } from './CommitmentRevision.ts';
import { Mutation } from './Mutation.ts';
import { Party } from './Party.ts';
import { Profile } from './Profile.ts';
import { Query } from './Query.ts';
import { Subscription } from './Subscription.ts';

/** The resolver map of the Connect schema, one entry per GraphQL type. */
export const resolvers = {
  DateTime,
  Query,
  Mutation,
  Subscription,
  Commitment,
  CommitmentActivity,
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
