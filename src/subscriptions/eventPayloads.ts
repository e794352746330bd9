import type { EventReads } from '../backends/connectLoaders.ts';
import type { CommitmentChange } from '../core/changeEvents.ts';
import type { EventFacts } from './eventFacts.ts';
import type { Subscription } from './subscriptionRegistry.ts';
import type { SubscriptionRequest } from './subscriptionTypes.ts';

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

const FLEETING = new Set(['exp', 'iat', 'nbf', 'jti']);

function lastingClaims(claims: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(claims)
    .filter(([name]) => !FLEETING.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
}

/**
 * What makes two subscribers' payloads of one event the same: the event and payload,
 * the operation (document, variables, name), whom it is run as (routing decides each
 * unit's side from the user, cohort and email; reads as the subscriber see what the
 * user's claims allow, when they were issued aside), and which sides' shared reads it may use.
 */
export function sameResultKey(
  request: SubscriptionRequest,
  change: CommitmentChange,
  payloadKey: string,
  reads: EventReads,
): string {
  const { viewer, facts } = request;
  // The claims too (but when they were issued and expire): a hosted project's policies
  // may read them (aal, app_metadata) where a side is read as the subscriber.
  const who =
    viewer.kind === 'anonymous'
      ? ['anonymous']
      : [
          viewer.kind,
          viewer.id,
          viewer.kind === 'user' ? [viewer.cohort, viewer.email] : null,
          lastingClaims(viewer.claims),
        ];
  return JSON.stringify([
    change.id,
    payloadKey,
    who,
    reads.legacy !== undefined,
    reads.target !== undefined,
    facts.query,
    facts.variables,
    facts.operationName,
  ]);
}
