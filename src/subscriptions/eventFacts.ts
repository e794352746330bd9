import { type ConnectLoaders, createConnectLoaders, type EventReads } from '../backends/connectLoaders.ts';
import type { CommitmentRecord, ConnectStore } from '../backends/connectStore.ts';
import { createRequestBudget, withinRequestBudget } from '../backends/requestBudget.ts';
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
  /**
   * False when legacy cannot be read as service_role (PostgREST with the caller's token
   * only): its fields in a payload are then read as the subscriber. @default true
   */
  legacyAsService?: boolean;
  /**
   * How the target's changed commitments are read: `service`, once per batch as
   * service_role, shared by every subscriber; `subscriber`, as each subscriber who takes
   * the target's events (the target services, which the gateway holds no service_role
   * token for, so each decides who sees what). @default 'service'
   */
  targetReadAs?: 'service' | 'subscriber';
  /**
   * Whether the target's changes are told to this gateway: a subscription whose stage
   * reads the target is refused, rather than left silent, when they are not. @default 'told'
   */
  targetFeed?: TargetFeed;
  /**
   * Whether legacy's changes are told to this gateway: a subscription whose stage reads
   * legacy is refused, rather than left silent, when they are not. @default 'told'
   */
  legacyFeed?: LegacyFeed;
}

/**
 * `told`: the target's changes reach this gateway. `qldbDriver`: the ledger is reached
 * through the QLDB driver, which tells no changes. `servicesWithoutRedis`: the ledger is
 * written through the ledger service, whose changes travel only over REDIS_URL, unset here.
 */
export type TargetFeed = 'told' | 'qldbDriver' | 'servicesWithoutRedis';

/**
 * `told`: legacy's changes reach this gateway (its own appliers tell them, or REDIS_URL
 * carries those of `figway sync` workers and other instances). `workersWithoutRedis`:
 * the mirror's appliers run in `figway sync` workers (FIGWAY_SYNC_APPLIER=off, the
 * target services, the QLDB driver), whose changes travel only over REDIS_URL, unset
 * here. `noTargets`: no target is configured, so no mirror captures and tells them.
 * `noCapture`: change capture is not installed on the legacy database yet.
 * `noDirectConnection`: legacy is reached through PostgREST, where nothing is captured.
 */
export type LegacyFeed = 'told' | 'workersWithoutRedis' | 'noTargets' | 'noCapture' | 'noDirectConnection';

/** A batch's reads: loaders per configured side, reading as service_role. */
export interface BatchReads {
  legacy: ConnectLoaders | null;
  target: ConnectLoaders | null;
}

/** Fresh service_role loaders for one batch of events: each commitment is read once per side, whoever subscribes. */
export function createBatchReads(stores: EventStores): BatchReads {
  return {
    legacy: stores.legacyAsService === false ? null : createConnectLoaders(stores.legacy, SERVICE_ROLE),
    target:
      stores.target === null || stores.targetReadAs === 'subscriber'
        ? null
        : createConnectLoaders(stores.target, SERVICE_ROLE),
  };
}

/** The key of a commitment on a side in the maps of facts. */
export function factsKey(side: Side, commitmentId: string): string {
  return `${side}:${commitmentId}`;
}

/** The facts of one batch per side: the commitment's facts, null when the side does not hold it. */
export type BatchFacts = Map<string, EventFacts | null>;

/** What reading one side's facts gave: its facts, or why they could not be read. */
export type SideFacts = { side: Side; facts: BatchFacts } | { side: Side; error: unknown };

/**
 * Reads the commitments `ids` and their parties through `loaders` (nothing when null),
 * within `timeoutMs`: each one's facts, or null where the loaders' reader does not see it.
 */
export async function readSideFacts(
  side: Side,
  loaders: ConnectLoaders | null,
  ids: readonly string[],
  timeoutMs: number,
): Promise<SideFacts> {
  const facts: BatchFacts = new Map();
  if (loaders === null) return { side, facts };
  const budget = createRequestBudget(timeoutMs);
  try {
    const [commitments, parties] = await withinRequestBudget(budget, () =>
      Promise.all([loaders.commitment.loadMany(ids), loaders.parties.loadMany(ids)]),
    );
    ids.forEach((id, index) => {
      const commitment = commitments[index];
      const seated = parties[index];
      if (commitment instanceof Error) throw commitment;
      if (seated instanceof Error) throw seated;
      facts.set(
        factsKey(side, id),
        commitment === null || commitment === undefined
          ? null
          : {
              commitment,
              members: new Set([commitment.createdBy, ...(seated ?? []).map((p) => p.profileId)]),
            },
      );
    });
    return { side, facts };
  } catch (error) {
    return { side, error };
  } finally {
    budget.end();
  }
}

/**
 * Reads the changed commitments and their parties on each side that told a change
 * (two statements per side per batch, whatever the number of subscribers). A side
 * that told nothing in the batch is not read: its facts are unknown, and a payload's
 * fields served by it are read as the subscriber. A side that fails, or does not
 * answer within `timeoutMs`, is reported on its own.
 */
export function readEventFacts(
  reads: BatchReads,
  changes: readonly CommitmentChange[],
  timeoutMs: number,
): Promise<SideFacts[]> {
  return Promise.all(
    (['legacy', 'target'] as const).map((side) => {
      const ids = [...new Set(changes.filter((c) => c.source === side).map((c) => c.commitmentId))];
      return readSideFacts(side, ids.length === 0 ? null : reads[side], ids, timeoutMs);
    }),
  );
}

/**
 * Whether `viewer` may see the commitment now, by the rule queries follow (legacy's
 * row-level security, which the ledger adapter applies too): its creator and its
 * parties; service_role callers see all. Nothing is visible where the side does not hold it.
 */
export function mayView(viewer: Viewer, facts: EventFacts | null | undefined): boolean {
  if (facts === null || facts === undefined) return false;
  if (viewer.kind === 'service') return true;
  return viewer.kind === 'user' && facts.members.has(viewer.id);
}

/**
 * The batch's shared reads a subscriber may use: only the sides where the batch read
 * the commitment and the subscriber may see it now; the others are read as the subscriber.
 */
export function sharedReadsFor(
  viewer: Viewer,
  commitmentId: string,
  facts: BatchFacts,
  reads: BatchReads,
): EventReads {
  const allowed: EventReads = {};
  for (const side of ['legacy', 'target'] as const) {
    const loaders = reads[side];
    if (loaders !== null && mayView(viewer, facts.get(factsKey(side, commitmentId)))) allowed[side] = loaders;
  }
  return allowed;
}
