import type { CommitmentRecord } from '../src/backends/connectStore.ts';
import type { ActivityKind } from '../src/core/changeEvents.ts';

/** One event of `myCommitmentActivity`, as the subscription hub hands it over. */
export interface ActivityEvent {
  kind: ActivityKind;
  commitment: CommitmentRecord;
  actorId: string | null;
  at: string;
}

/** Resolvers of CommitmentActivity; the commitment's fields are routed by their own units. */
export const CommitmentActivity = {
  // A reference: each Profile field is routed on its own, as createdBy is.
  actor: (activity: ActivityEvent) => (activity.actorId === null ? null : { id: activity.actorId }),
};
