import { randomBytes } from 'node:crypto';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import type { Database } from '../../core/database.ts';
import type { Logger } from '../../core/logger.ts';
import type { Side } from '../../core/stage.ts';
import type { GatewayMetrics } from '../../reports/gatewayMetrics.ts';
import { createRateLimitedLog } from '../../reports/rateLimitedLog.ts';
import type { MirroredWrite, WriteMirror } from '../writeMirror.ts';
import { applyLegacyChanges } from './applyLegacyChanges.ts';
import { applyOutbox } from './applyOutbox.ts';
import {
  type ChangeQueue,
  createChangeQueue,
  type QueuedRow,
  type QueueStatus,
  type RetryPolicy,
} from './changeQueue.ts';
import { describeError, isRetryable } from './classifyFailure.ts';
import { createLagWindow, type LagWindow } from './lagWindow.ts';
import { pruneAppliedChanges } from './pruneAppliedChanges.ts';
import { toCapturedChange, toOutboxEntry } from './queueRows.ts';
import type { ChangeOutcome } from './syncTypes.ts';

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
}

/** Where the mirror stands, each way. */
export interface SyncStatus {
  toTarget: DirectionStatus;
  toLegacy: DirectionStatus;
  conflicts: { open: number; recent: ConflictRow[] };
}

/** One direction of the mirror: its queue, and the lag of what this process applied lately. */
export interface DirectionStatus extends QueueStatus {
  /** Lag percentiles, in seconds, of the last changes this process applied; null when it applied none. */
  lag: { p50: number; p99: number; samples: number } | null;
}

/** A change that could not be applied without overwriting the authoritative side. */
export interface ConflictRow {
  id: number;
  entity: string;
  entityId: string;
  changeId: number | null;
  detail: string;
  detectedAt: string;
}

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

interface Direction {
  to: Side;
  queue: ChangeQueue;
  db: Database;
  channel: string;
  apply: (rows: readonly QueuedRow[]) => Promise<ChangeOutcome[]>;
  lag: LagWindow;
  wake: () => void;
  /** The loops asleep, each woken by calling it. */
  sleeping: Set<() => void>;
  /** A wake-up that came while a pass was running: the loop passes again at once. */
  woken: boolean;
  /** Passes started so far. */
  passes: number;
  /** Passes in a row that found the other side (or the queue) unreachable; 0 when it answers. */
  outage: number;
  waiters: Set<Waiter>;
  backlogSampledAt: number;
}

/** What one pass over a queue did. */
interface Pass {
  claimed: number;
  /** True when every failure was a backend that could not be reached. */
  unavailable: boolean;
  failed: number;
  /** The entities whose claimed changes all failed or waited behind a failure. */
  failedEntities: ReadonlySet<string>;
  /** The entities with a change in this pass. */
  entities: ReadonlySet<string>;
}

const NOTHING: Pass = {
  claimed: 0,
  unavailable: false,
  failed: 0,
  failedEntities: new Set(),
  entities: new Set(),
};

/** A write's own mirror waiting for the background applier to apply its entity's changes. */
interface Waiter {
  entityId: string;
  /** The number of the last pass that started before the waiter came: only later passes settle it. */
  since: number;
  settle(error: string | null): void;
}

const NOT_YET = 'the other side did not take the change yet; it stays queued and is retried';
const DEAD = 'a change of this commitment is a dead letter (figway sync status)';
const HELD = 'another applier still holds this commitment; the change stays queued';

// Lock keys of the claims on each queue table; any constants shared by all figway processes.
const CAPTURE_LOCK = 7_372_402;
const OUTBOX_LOCK = 7_372_403;

// A record of an applied change only matters while the change can be delivered again
// (a crash between applying it and leaving its queue: redelivered within a lease);
// the records of changes still queued are kept however old. A week leaves room to
// look into what happened, and keeps the tables from growing without end.
const APPLIED_RECORD_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

function entityOf(write: MirroredWrite): string | null {
  const result = write.result as { id?: unknown; commitmentId?: unknown } | null;
  if (result === null || typeof result !== 'object') return null;
  const id = result.commitmentId ?? result.id;
  return typeof id === 'string' ? id : null;
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
  let pruneTimer: NodeJS.Timeout | undefined;
  let pruneAbort = new AbortController();
  let pruning: Promise<void> | null = null;

  const direction = (
    to: Side,
    db: Database,
    table: 'figway.legacy_changes' | 'figway.outbox',
    apply: Direction['apply'],
  ): Direction => {
    const self: Direction = {
      to,
      db,
      channel: table === 'figway.outbox' ? 'figway_outbox' : 'figway_legacy_changes',
      queue: createChangeQueue({
        db,
        table,
        madeAt: table === 'figway.outbox' ? 'created_at' : 'captured_at',
        lockKey: table === 'figway.outbox' ? OUTBOX_LOCK : CAPTURE_LOCK,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
      }),
      apply,
      lag: createLagWindow(1_000),
      sleeping: new Set(),
      woken: false,
      passes: 0,
      outage: 0,
      waiters: new Set(),
      backlogSampledAt: 0,
      wake: () => {
        const [sleeper] = self.sleeping;
        if (sleeper === undefined) self.woken = true;
        else sleeper();
      },
    };
    return self;
  };

  // A batch that had to be applied change by change: logged (the change that fails
  // again is retried, counted and logged on its own).
  const fellBack = (to: Side) => (error: unknown) =>
    log.log(`sync/${to}/batch`, 'info', { err: error, to }, 'a batch was applied one entity at a time');

  const toTarget = direction('target', deps.legacyDb, 'figway.legacy_changes', (rows) =>
    applyLegacyChanges(
      { legacy: deps.legacyDb, ledger: deps.ledger, oltp: deps.oltp, onFallback: fellBack('target') },
      rows.map((row) => toCapturedChange(row.row)),
    ),
  );
  const toLegacy = direction('legacy', deps.ledger.db, 'figway.outbox', (rows) =>
    applyOutbox(
      { legacy: deps.legacyDb, ledger: deps.ledger, onFallback: fellBack('legacy') },
      rows.map((row) => toOutboxEntry(row.row)),
    ),
  );
  const directions = [toTarget, toLegacy];

  // Claims due changes, applies them, and settles each: applied ones leave the queue,
  // a failed one waits for its retry, and so do the later changes of its entity.
  async function pass(way: Direction, entityIds?: readonly string[]): Promise<Pass> {
    claims += 1;
    const owner = `${instanceId}/${claims}`;
    const rows = await way.queue.claim(owner, {
      limit: batchSize,
      leaseMs,
      ...(entityIds === undefined ? {} : { entityIds }),
    });
    if (rows.length === 0) return NOTHING;
    let outcomes: ChangeOutcome[];
    try {
      outcomes = await way.apply(rows);
    } catch (error) {
      outcomes = rows.map((row) => ({ id: row.id, result: 'failed', error }));
    }
    const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
    const done: number[] = [];
    const released: number[] = [];
    const failures: Array<{ id: number; error: string; poison: boolean }> = [];
    const failedEntities = new Set<string>();
    let unavailable = true;
    const now = Date.now();
    for (const row of rows) {
      const outcome = byId.get(row.id) ?? {
        id: row.id,
        result: 'failed',
        error: new Error('the applier gave no outcome'),
      };
      if (outcome.result !== 'failed') {
        done.push(row.id);
        metrics.mirrorChanges.inc({ to: way.to, result: outcome.result });
        if (outcome.result === 'applied') {
          const seconds = Math.max(0, (now - row.madeAt.getTime()) / 1000);
          metrics.mirrorLag.observe({ to: way.to }, seconds);
          way.lag.add(seconds);
        }
        continue;
      }
      if (failedEntities.has(row.entityId)) {
        released.push(row.id);
        continue;
      }
      failedEntities.add(row.entityId);
      const poison = !isRetryable(outcome.error);
      if (poison) unavailable = false;
      failures.push({ id: row.id, error: describeError(outcome.error), poison });
      metrics.mirrorChanges.inc({ to: way.to, result: 'failed' });
      log.log(
        `sync/${way.to}/${poison ? 'refused' : 'unavailable'}`,
        poison ? 'error' : 'warn',
        { err: outcome.error, change: row.id, entity: row.entityId, to: way.to, attempts: row.attempts + 1 },
        poison
          ? 'the other side refused a mirrored change; it is retried, then kept as a dead letter'
          : 'mirroring waits: the other side is unreachable',
      );
    }
    await way.queue.complete(owner, done);
    await way.queue.fail(owner, failures);
    await way.queue.release(owner, released);
    return {
      claimed: rows.length,
      unavailable: failures.length > 0 && unavailable,
      failed: failures.length,
      failedEntities,
      entities: new Set(rows.map((row) => row.entityId)),
    };
  }

  function sleep(way: Direction, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        way.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      way.sleeping.add(wake);
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
      await settleWaiters(way, number, result);
      await sampleBacklog(way);
      if (stopped) break;
      if (way.outage > 0) await pause(Math.min(5_000, 100 * 2 ** Math.min(way.outage, 6)));
      else if (result.claimed === 0 && !way.woken) await sleep(way, pollMs);
    }
  }

  // After a pass that started once the waiter had come: its entity's changes were in
  // the pass and all applied (and the pass was not cut at the batch size), or they
  // failed; or they were not in it, and the queue says whether they are gone, set
  // aside, or held by another applier (then the waiter waits on).
  async function settleWaiters(way: Direction, number: number, result: Pass) {
    const full = result.entities.size >= batchSize;
    for (const waiter of [...way.waiters]) {
      if (waiter.since >= number) continue;
      // Claims take whole entities: an entity in the pass had all its due changes in it.
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

  // The write's own mirror while this process runs the appliers: its changes join the
  // applier's next batch (group commit) instead of taking a claim and a ledger block each.
  function awaitApplier(way: Direction, entityId: string): Promise<string | null> {
    if (way.outage > 0) return Promise.resolve(NOT_YET);
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.settle(HELD), mirrorWaitMs);
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

  async function sampleBacklog(way: Direction) {
    if (performance.now() - way.backlogSampledAt < 1_000) return;
    way.backlogSampledAt = performance.now();
    try {
      const [row] = await way.db.query(
        `select count(*) filter (where dead_at is null) as pending, count(*) filter (where dead_at is not null) as dead
         from ${way.queue.table}`,
      );
      metrics.mirrorBacklog.set({ to: way.to, state: 'pending' }, Number(row?.pending ?? 0));
      metrics.mirrorBacklog.set({ to: way.to, state: 'dead' }, Number(row?.dead ?? 0));
    } catch (error) {
      log.log(
        `sync/${way.to}/backlog`,
        'warn',
        { err: error, to: way.to },
        'could not sample the mirror backlog',
      );
    }
  }

  // One pruning at a time; a failure is logged and tried again at the next tick.
  function prune() {
    if (pruning !== null) return;
    const dbs = { legacyDb: deps.legacyDb, ledgerDb: deps.ledger.db, oltpDb: deps.oltp.db };
    pruning = pruneAppliedChanges(dbs, APPLIED_RECORD_DAYS, { signal: pruneAbort.signal })
      .then(
        (removed) => {
          if (removed > 0) logger.info({ removed }, 'pruned the records of changes applied over a week ago');
        },
        (error: unknown) => {
          log.log('sync/prune', 'warn', { err: error }, 'could not prune the records of applied changes');
        },
      )
      .finally(() => {
        pruning = null;
      });
  }

  // The write's own mirror: this entity's changes, now. Another applier may hold the
  // entity; then it waits (briefly) for that one to finish. A change of the entity
  // that failed (here or there) or was set aside means the copy is not there.
  async function mirrorNow(write: MirroredWrite, entityId: string): Promise<string | null> {
    const way = write.to === 'target' ? toTarget : toLegacy;
    if (!stopped) return awaitApplier(way, entityId);
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
      const entityId = entityOf(write);
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

  async function conflicts(): Promise<SyncStatus['conflicts']> {
    const [count] = await deps.ledger.db.query(
      'select count(*) as n from figway.sync_conflicts where resolved_at is null',
    );
    const rows = await deps.ledger.db.query(
      `select id, entity, entity_id, change_id, detail, detected_at from figway.sync_conflicts
       where resolved_at is null order by id desc limit 50`,
    );
    return {
      open: Number(count?.n ?? 0),
      recent: rows.map((row) => ({
        id: Number(row.id),
        entity: String(row.entity),
        entityId: String(row.entity_id),
        changeId: row.change_id === null ? null : Number(row.change_id),
        detail: String(row.detail),
        detectedAt: (row.detected_at instanceof Date
          ? row.detected_at
          : new Date(String(row.detected_at))
        ).toISOString(),
      })),
    };
  }

  const statusOf = async (way: Direction): Promise<DirectionStatus> => ({
    ...(await way.queue.status()),
    lag: way.lag.summary(),
  });

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
      pruneAbort = new AbortController();
      prune();
      pruneTimer = setInterval(prune, PRUNE_EVERY_MS).unref();
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
        toTarget: await statusOf(toTarget),
        toLegacy: await statusOf(toLegacy),
        conflicts: await conflicts(),
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
      clearInterval(pruneTimer);
      pruneAbort.abort();
      for (const way of directions) for (const wake of [...way.sleeping]) wake();
      for (const finish of [...pauses]) finish();
      await Promise.all([...loops.splice(0), pruning]);
      for (const way of directions)
        for (const waiter of [...way.waiters]) waiter.settle('the mirror stopped; the change stays queued');
      await Promise.all(unlisten.splice(0).map((stop) => stop()));
    },
  };
}
