import { migrateSubscription } from '../src/routing/migrate.ts';

/**
 * Resolvers of the root subscription type. Both fields are migration units: the
 * subscriber's stage picks the side whose change feed tells the events (legacy's
 * change capture, or the ledger's appends), and figway's subscription hub checks
 * each event against the subscriber's right to see the commitment (src/subscriptions).
 */
export const Subscription = {
  commitmentChanged: migrateSubscription('Subscription.commitmentChanged'),
  myCommitmentActivity: migrateSubscription('Subscription.myCommitmentActivity'),
};
