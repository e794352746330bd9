import type { CommitmentChange } from '../core/changeEvents.ts';
import type { EventFacts } from './eventFacts.ts';
import type { Subscription } from './subscriptionRegistry.ts';

/** The payloads one change makes for a subscription, each with the key its comparison pairs it by. */
export function payloadsOf(subscription: Subscription, change: CommitmentChange, facts: EventFacts) {
  const { commitment } = facts;
  if (subscription.field === 'commitmentChanged')
    return [{ key: change.commitmentId, root: { commitmentChanged: commitment } }];
  return change.activities.map((activity) => ({
    key: `${change.commitmentId}:${activity.kind}:${activity.profileId ?? ''}`,
    root: {
      myCommitmentActivity: { kind: activity.kind, commitment, actorId: change.actorId, at: change.at },
    },
  }));
}

/** A ledger change's version (`target:<id>:<version>`); null for legacy's. */
export function versionOf(change: CommitmentChange): number | null {
  if (change.source !== 'target') return null;
  const version = Number(change.id.slice(change.id.lastIndexOf(':') + 1));
  return Number.isInteger(version) ? version : null;
}
