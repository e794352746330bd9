import { randomBytes } from 'node:crypto';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import type { ChangePublisher } from '../../core/changeEvents.ts';
import type { Database } from '../../core/database.ts';
import type { Logger } from '../../core/logger.ts';
import type { Side } from '../../core/stage.ts';
import type { GatewayMetrics } from '../../reports/gatewayMetrics.ts';
import { createRateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { entityOfWrite, type MirroredWrite, type WriteMirror } from '../writeMirror.ts';
import { applyLegacyChanges } from './applyLegacyChanges.ts';
import { applyOutbox } from './applyOutbox.ts';
import type { QueuedRow, RetryPolicy } from './changeQueue.ts';
import { describeError } from './classifyFailure.ts';
import { publishClaimedChanges } from './legacyChangeEvents.ts';
import { startLegacyFeed } from './legacyFeed.ts';
import { awaitApplier, DEAD, HELD, NOT_YET, NOTHING, type Pass, settleWaiters } from './mirrorWaiters.ts';
import { toCapturedChange, toOutboxEntry } from './queueRows.ts';
import { runPass } from './runPass.ts';
import { schedulePruning } from './schedulePruning.ts';
import { createDirection, type Direction, sampleBacklog, sleepUntilWoken } from './syncDirection.ts';
import { directionStatus, readOpenConflicts, type SyncStatus } from './syncStatus.ts';

/** What the mirror needs: legacy's own database and the targets. */
export interface SyncDeps {
  legacyDb: Database;
  ledger: Ledger;
  oltp: OltpStore;
}

/** How a mirrored write ended on the other side, for the write's shadow observation. */
export interface MirrorOutcome {
  write: MirroredWrite;
  /** The commitment the write changed. */
  entityId: string;
  /** null when the other side has the write; else why it does not (yet). */
  error: string | null;
  /** Milliseconds from the start of the mirror to its end. */
  ms: number;
}

/** Options of {@link createSync}. */
export interface SyncOptions {
  metrics: Pick<GatewayMetrics, 'mirrorLag' | 'mirrorChanges' | 'mirrorBacklog'>;
  logger: Logger;
  /** Names this process in claims. @default a random id */
  instanceId?: string;
  /** Entities (commitments, profiles, commitment types) whose changes are claimed per pass. @default 100 */
  batchSize?: number;
  /** How long a claim holds before another applier may take it over. @default 30000 */
  leaseMs?: number;
  /** How often the queues are looked at without a NOTIFY. @default 1000 */
  pollMs?: number;
  /** Applier loops per direction in this process; their claims never overlap. @default 2 */
  appliers?: number;
  /** How long a write's own mirror waits for an entity another applier holds. @default 2000 */
  mirrorWaitMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Hears how each write's mirror ended (the shadow observation of writes). Must not throw. */
  onMirrored?: (outcome: MirrorOutcome) => void;
  /**
   * Where legacy's commitment changes are told (the change feed), as they are claimed
   * and before they are applied; a change claimed again is told again (its id is the
   * same). A failure to tell is logged, never thrown into the applier. @default none
   */
  publish?: ChangePublisher;
}

export type { ConflictRow, DirectionStatus, SyncStatus } from './syncStatus.ts';

/** The mirror between legacy and the targets, in both directions. */
export interface Sync {
  /** Mirrors each write right after it commits, before the response returns; the queues keep what it cannot. */
  readonly mirror: WriteMirror;
  /** Starts the background appliers (LISTEN wake-ups, a poll as a safety net). */
  start(): Promise<void>;
  /** Applies everything due now, both ways; resolves with how many changes it handled. */
  drain(): Promise<number>;
  status(): Promise<SyncStatus>;
  /** Puts a dead letter (`legacy-<id>` or `target-<id>`, the side it came from) back in its queue. */
  retry(deadLetter: string): Promise<boolean>;
  /** Stops the appliers; claims in flight finish first. */
  stop(): Promise<void>;
}

/**
 * Creates the mirror: captured legacy changes go to the ledger and the OLTP service,
 * the outbox of target-served writes goes to legacy. Each change is applied once (claims
 * per entity, idempotent appliers), in order per entity, retried with backoff while a
 * side is down, and set aside as a dead letter when the other side refuses it.
 */
export function createSync(deps: SyncDeps, options: SyncOptions): Sync {
  const { metrics, logger } = options;
  const instanceId = options.instanceId ?? randomBytes(6).toString('hex');
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1_000;
  const mirrorWaitMs = options.mirrorWaitMs ?? 2_000;
  const appliers = options.appliers ?? 2;
  const log = createRateLimitedLog({ logger });
  let claims = 0;
  let stopped = true;
  const loops: Promise<void>[] = [];
  const pauses = new Set<() => void>();
  const unlisten: Array<() => Promise<void>> = [];
  let stopPruning: () => Promise<void> = async () => {};
  let stopFeed: () => Promise<void> = async () => {};

  // A batch that had to be applied change by change: logged (the change that fails
  // again is retried, counted and logged on its own).
  const fellBack = (to: Side) => (error: unknown) =>
    log.log(`sync/${to}/batch`, 'info', { err: error, to }, 'a batch was applied one entity at a time');

  const toTarget = createDirection(options.retry, 'target', deps.legacyDb, 'figway.legacy_changes', (rows) =>
    applyLegacyChanges(
      { legacy: deps.legacyDb, ledger: deps.ledger, oltp: deps.oltp, onFallback: fellBack('target') },
      rows.map((row) => toCapturedChange(row.row)),
    ),
  );
  const toLegacy = createDirection(options.retry, 'legacy', deps.ledger.db, 'figway.outbox', (rows) =>
    applyOutbox(
      { legacy: deps.legacyDb, ledger: deps.ledger, onFallback: fellBack('legacy') },
      rows.map((row) => toOutboxEntry(row.row)),
    ),
  );
  const directions = [toTarget, toLegacy];

  // Told before applying, so a target that is down holds no legacy event back.
  const publishLegacy = (rows: readonly QueuedRow[]) => {
    if (options.publish !== undefined) publishClaimedChanges(options.publish, rows, log);
  };

  // Each pass claims under an owner name of its own, so a lapsed claim is never settled twice.
  function pass(way: Direction, entityIds?: readonly string[]): Promise<Pass> {
    claims += 1;
    return runPass(way, `${instanceId}/${claims}`, {
      batchSize,
      leaseMs,
      metrics,
      log,
      ...(way === toTarget ? { onClaimed: publishLegacy } : {}),
      ...(entityIds === undefined ? {} : { entityIds }),
    });
  }

  // While the other side is unreachable the loop backs off exponentially, and writes
  // do not wake it: their own mirrors answer at once that the change stays queued.
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pauses.delete(finish);
        resolve();
      }, ms);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      pauses.add(finish);
    });
  }

  async function loop(way: Direction) {
    while (!stopped) {
      let result: Pass;
      way.woken = false;
      const number = ++way.passes;
      try {
        result = await pass(way);
      } catch (error) {
        // The queue's own database is down: the loop backs off and tries again.
        log.log(
          `sync/${way.to}/queue`,
          'warn',
          { err: error, to: way.to },
          'the mirror queue is unreachable; retrying',
        );
        result = { ...NOTHING, unavailable: true };
      }
      way.outage = result.unavailable ? way.outage + 1 : 0;
      await settleWaiters(way, number, result, batchSize);
      await sampleBacklog(way, metrics, log);
      if (stopped) break;
      if (way.outage > 0) await pause(Math.min(5_000, 100 * 2 ** Math.min(way.outage, 6)));
      else if (result.claimed === 0 && !way.woken) await sleepUntilWoken(way, pollMs);
    }
  }

  // The write's own mirror: this entity's changes, now. Another applier may hold the
  // entity; then it waits (briefly) for that one to finish. A change of the entity
  // that failed (here or there) or was set aside means the copy is not there.
  async function mirrorNow(write: MirroredWrite, entityId: string): Promise<string | null> {
    const way = write.to === 'target' ? toTarget : toLegacy;
    if (!stopped) return awaitApplier(way, entityId, mirrorWaitMs);
    const deadline = performance.now() + mirrorWaitMs;
    for (;;) {
      const result = await pass(way, [entityId]);
      if (result.failed > 0) return NOT_YET;
      const state = await way.queue.entityState([entityId]);
      if (state.dead > 0) return DEAD;
      if (state.retrying > 0) return NOT_YET;
      if (state.pending === 0) return null;
      if (performance.now() > deadline) return HELD;
      if (result.claimed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const mirror: WriteMirror = {
    async mirror(write) {
      const entityId = entityOfWrite(write);
      if (entityId === null) throw new Error(`${write.unit} returned no commitment id to mirror`);
      const started = performance.now();
      let error: string | null;
      try {
        error = await mirrorNow(write, entityId);
      } catch (caught) {
        error = describeError(caught);
      }
      options.onMirrored?.({ write, entityId, error, ms: performance.now() - started });
      // Nothing is lost either way (the change is queued); the caller counts and logs it.
      if (error !== null) throw new Error(`not mirrored to ${write.to} at once: ${error}`);
    },
  };

  return {
    mirror,
    async start() {
      if (!stopped) return;
      stopped = false;
      for (const way of directions) {
        try {
          unlisten.push(await way.db.listen(way.channel, way.wake));
        } catch (error) {
          // Without LISTEN the poll still finds every change, only later.
          log.log(
            `sync/${way.to}/listen`,
            'warn',
            { err: error, channel: way.channel },
            'LISTEN failed; polling only',
          );
        }
        // Two loops: one claims and applies while the other commits, so a write's own
        // mirror seldom waits for a whole pass to end before its own begins.
        for (let index = 0; index < appliers; index++) loops.push(loop(way));
      }
      if (options.publish !== undefined) {
        try {
          stopFeed = await startLegacyFeed(deps.legacyDb, options.publish, log);
        } catch (error) {
          // Subscribers still hear legacy's changes when an applier claims them, only later.
          log.log('sync/feed', 'warn', { err: error }, 'the fast path of the change feed did not start');
        }
      }
      stopPruning = schedulePruning(
        { legacyDb: deps.legacyDb, ledgerDb: deps.ledger.db, oltpDb: deps.oltp.db },
        logger,
        log,
      );
    },
    async drain() {
      let handled = 0;
      for (const way of directions) {
        for (;;) {
          const result = await pass(way);
          handled += result.claimed;
          if (result.claimed === 0 || result.failed > 0) break;
        }
      }
      return handled;
    },
    async status() {
      return {
        toTarget: await directionStatus(toTarget),
        toLegacy: await directionStatus(toLegacy),
        conflicts: await readOpenConflicts(deps.ledger.db),
      };
    },
    async retry(deadLetter) {
      const match = /^(legacy|target)-(\d+)$/.exec(deadLetter);
      if (match === null) return false;
      const way = match[1] === 'legacy' ? toTarget : toLegacy;
      const retried = await way.queue.retry(Number(match[2]));
      if (retried) way.wake();
      return retried;
    },
    async stop() {
      stopped = true;
      for (const way of directions) for (const wake of [...way.sleeping]) wake();
      for (const finish of [...pauses]) finish();
      await Promise.all([...loops.splice(0), stopPruning(), stopFeed()]);
      for (const way of directions)
        for (const waiter of [...way.waiters]) waiter.settle('the mirror stopped; the change stays queued');
      await Promise.all(unlisten.splice(0).map((stop) => stop()));
    },
  };
}
