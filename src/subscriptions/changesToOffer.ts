import type { CommitmentChange } from '../core/changeEvents.ts';
import type { Side } from '../core/stage.ts';
import type { RecentIds } from './recentIds.ts';
import type { Subscription } from './subscriptionRegistry.ts';

/** A batch's changes worth reading, and the batch each one told again was last offered in. */
export interface ChangesToOffer {
  changes: CommitmentChange[];
  /** By change id: the batch it was offered in before, for a change told again. */
  offeredIn: Map<string, number>;
}

/**
 * The changes of a batch the hub reads: those of a side some subscription takes, and,
 * of a change told again (the appliers' claims after the fast path), only one some
 * subscription opened since it was offered (which may have missed it). `offered` holds
 * each offered change's batch number; `lastOpened` is the newest subscription's `openedIn`.
 */
export function changesToOffer(
  batch: readonly CommitmentChange[],
  offered: RecentIds,
  lastOpened: number,
  takes: (side: Side) => boolean,
): ChangesToOffer {
  const offeredIn = new Map<string, number>();
  const changes = batch.filter((change) => {
    if (!takes(change.source)) return false;
    const mark = offered.markOf(change.id);
    if (mark === undefined) return true;
    if (mark >= lastOpened) return false;
    offeredIn.set(change.id, mark);
    return true;
  });
  return { changes, offeredIn };
}

/**
 * Whether a subscription may not have been offered the change yet: it never was, or
 * only in a batch before the subscription opened. The others had it: offering a bulk
 * change to them again would push its ids out of their last 512 and tell it twice.
 */
export function mayHaveMissed(
  subscription: Subscription,
  change: CommitmentChange,
  offeredIn: ReadonlyMap<string, number>,
): boolean {
  const mark = offeredIn.get(change.id);
  return mark === undefined || subscription.openedIn > mark;
}
