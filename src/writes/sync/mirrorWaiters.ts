import type { ChangeQueue } from './changeQueue.ts';
import { describeError } from './classifyFailure.ts';

/** What one pass over a queue did. */
export interface Pass {
  claimed: number;
  /** True when every failure was a backend that could not be reached. */
  unavailable: boolean;
  failed: number;
  /** The entities whose claimed changes all failed or waited behind a failure. */
  failedEntities: ReadonlySet<string>;
  /** The entities with a change in this pass. */
  entities: ReadonlySet<string>;
}

/** A pass that claimed nothing. */
export const NOTHING: Pass = {
  claimed: 0,
  unavailable: false,
  failed: 0,
  failedEntities: new Set(),
  entities: new Set(),
};

/** A write's own mirror waiting for the background applier to apply its entity's changes. */
export interface Waiter {
  entityId: string;
  /** The number of the last pass that started before the waiter came: only later passes settle it. */
  since: number;
  settle(error: string | null): void;
}

/** Why a write's copy is not on the other side yet. */
export const NOT_YET = 'the other side did not take the change yet; it stays queued and is retried';
export const DEAD = 'a change of this commitment is a dead letter (figway sync status)';
export const HELD = 'another applier still holds this commitment; the change stays queued';

/** What the waiters of one direction of the mirror need of it. */
export interface WaitedQueue {
  queue: ChangeQueue;
  waiters: Set<Waiter>;
  /** Passes started so far. */
  passes: number;
  /** Passes in a row that found the other side unreachable; 0 when it answers. */
  outage: number;
  wake(): void;
}

/**
 * Settles the waiters a finished pass answers, those that came before it started: their
 * entity's changes were in the pass and all applied (claims take whole entities), or they
 * failed; or they were not in it, and the queue says whether they are gone, set aside, or
 * held by another applier (then the waiter waits on, until its deadline).
 */
export async function settleWaiters(way: WaitedQueue, number: number, result: Pass, batchSize: number) {
  const full = result.entities.size >= batchSize;
  for (const waiter of [...way.waiters]) {
    if (waiter.since >= number) continue;
    if (result.failedEntities.has(waiter.entityId)) waiter.settle(NOT_YET);
    else if (result.entities.has(waiter.entityId)) waiter.settle(null);
    else if (result.unavailable) waiter.settle(NOT_YET);
    else if (!full) {
      try {
        const state = await way.queue.entityState([waiter.entityId]);
        if (state.dead > 0) waiter.settle(DEAD);
        else if (state.retrying > 0) waiter.settle(NOT_YET);
        else if (state.pending === 0) waiter.settle(null);
      } catch (error) {
        waiter.settle(describeError(error));
      }
    }
  }
}

/**
 * The write's own mirror while this process runs the appliers: its changes join the
 * applier's next batch (group commit) instead of taking a claim and a ledger block each.
 * Resolves with null once applied, or with why not (an outage answers at once).
 */
export function awaitApplier(way: WaitedQueue, entityId: string, waitMs: number): Promise<string | null> {
  if (way.outage > 0) return Promise.resolve(NOT_YET);
  return new Promise((resolve) => {
    const timer = setTimeout(() => waiter.settle(HELD), waitMs);
    const waiter: Waiter = {
      entityId,
      since: way.passes,
      settle(error) {
        if (!way.waiters.delete(waiter)) return;
        clearTimeout(timer);
        resolve(error);
      },
    };
    way.waiters.add(waiter);
    way.wake();
  });
}
