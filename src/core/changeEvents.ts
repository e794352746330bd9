import type { Side } from './stage.ts';

// The change feed: what subscriptions are told when a commitment changes. Legacy's
// changes come from its change capture (published by the mirror's applier as it
// claims them, so a change made with plain SQL is told too); the target's from the
// ledger's own appends (published by the process that appended). Both sides speak
// this one shape, so the subscription layer never needs to know where it came from.

/** What a change did to a commitment, as `myCommitmentActivity` reports it. */
export type ActivityKind = 'CREATED' | 'STATUS_CHANGED' | 'PARTY_ADDED' | 'DOCUMENT_ATTACHED';

/** One thing a change did; `profileId` is the seated profile of a PARTY_ADDED. */
export interface Activity {
  kind: ActivityKind;
  profileId?: string;
}

/**
 * One committed change to one commitment on one side: one legacy transaction's
 * changes to it, or one ledger revision of it.
 */
export interface CommitmentChange {
  /**
   * Stable and unique per side and change, so a change told twice (a re-claimed
   * batch, a Redis echo) is delivered once: `legacy:<transaction id>:<commitment id>`
   * or `target:<commitment id>:<ledger version>`.
   */
  id: string;
  source: Side;
  commitmentId: string;
  /**
   * What the change did, in order; empty for a change no activity kind describes
   * (a title edit, a party removed): `commitmentChanged` still tells it.
   */
  activities: Activity[];
  /** The user who made the change, when the writer carried one. */
  actorId: string | null;
  /** When the change was committed (captured, for legacy), ISO 8601. */
  at: string;
}

/** Where changes are told; never throws and never blocks the writer (failures are counted by the publisher). */
export interface ChangePublisher {
  publish(changes: readonly CommitmentChange[]): void;
}

/** Hears published changes, in the order they were published on this instance or received from others. */
export type ChangeListener = (changes: readonly CommitmentChange[]) => void;
