import { createConnectLoaders, type EventReads } from '../backends/connectLoaders.ts';
import type { CommitmentRecord, ConnectStore } from '../backends/connectStore.ts';
import { SERVICE_ROLE, type Viewer } from '../backends/viewer.ts';
import type { CommitmentChange } from '../core/changeEvents.ts';
import type { Side } from '../core/stage.ts';

/** What the hub knows of a changed commitment on one side: the commitment, and who may see it. */
export interface EventFacts {
  commitment: CommitmentRecord;
  /** The creator and every party's profile id, as the side holds them now. */
  members: ReadonlySet<string>;
}

/** The stores events are read from: legacy always, the target once configured. */
export interface EventStores {
  legacy: ConnectStore;
  target: ConnectStore | null;
}

/** Fresh service_role loaders for one batch of events: each commitment is read once per side, whoever subscribes. */
export function createEventReads(stores: EventStores): EventReads {
  return {
    legacy: createConnectLoaders(stores.legacy, SERVICE_ROLE),
    target: stores.target === null ? null : createConnectLoaders(stores.target, SERVICE_ROLE),
  };
}

/** The key of a commitment on a side in the map {@link readEventFacts} returns. */
export function factsKey(side: Side, commitmentId: string): string {
  return `${side}:${commitmentId}`;
}

/**
 * Reads the changed commitments and their parties on the side that told each change
 * (two statements per side per batch, whatever the number of subscribers). A
 * commitment that is gone, or a side that is not configured, has no facts.
 */
export async function readEventFacts(
  reads: EventReads,
  changes: readonly CommitmentChange[],
): Promise<Map<string, EventFacts>> {
  const facts = new Map<string, EventFacts>();
  await Promise.all(
    (['legacy', 'target'] as const).map(async (side) => {
      const loaders = reads[side];
      const ids = [...new Set(changes.filter((c) => c.source === side).map((c) => c.commitmentId))];
      if (loaders === null || ids.length === 0) return;
      const [commitments, parties] = await Promise.all([
        loaders.commitment.loadMany(ids),
        loaders.parties.loadMany(ids),
      ]);
      ids.forEach((id, index) => {
        const commitment = commitments[index];
        const seated = parties[index];
        if (commitment instanceof Error) throw commitment;
        if (seated instanceof Error) throw seated;
        if (commitment === null || commitment === undefined) return;
        const members = new Set([commitment.createdBy, ...(seated ?? []).map((party) => party.profileId)]);
        facts.set(factsKey(side, id), { commitment, members });
      });
    }),
  );
  return facts;
}

/**
 * Whether `viewer` may see the commitment now, by the rule queries follow (legacy's
 * row-level security): its creator and its parties; service_role callers see all.
 */
export function mayView(viewer: Viewer, facts: EventFacts): boolean {
  if (viewer.kind === 'service') return true;
  return viewer.kind === 'user' && facts.members.has(viewer.id);
}
