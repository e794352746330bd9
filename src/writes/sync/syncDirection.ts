import type { Database } from '../../core/database.ts';
import type { Side } from '../../core/stage.ts';
import type { GatewayMetrics } from '../../reports/gatewayMetrics.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { type ChangeQueue, createChangeQueue, type QueuedRow, type RetryPolicy } from './changeQueue.ts';
import { createLagWindow, type LagWindow } from './lagWindow.ts';
import type { Waiter } from './mirrorWaiters.ts';
import type { ChangeOutcome } from './syncTypes.ts';

// Lock keys of the claims on each queue table; any constants shared by all figway processes.
const CAPTURE_LOCK = 7_372_402;
const OUTBOX_LOCK = 7_372_403;

/** One direction of the mirror in this process: its queue, applier, loops' wake-ups and waiters. */
export interface Direction {
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

/** A direction over a queue table (`figway.legacy_changes` to the targets, `figway.outbox` to legacy). */
export function createDirection(
  retry: Partial<RetryPolicy> | undefined,
  to: Side,
  db: Database,
  table: 'figway.legacy_changes' | 'figway.outbox',
  apply: Direction['apply'],
): Direction {
  const self: Direction = {
    to,
    db,
    channel: table === 'figway.outbox' ? 'figway_outbox' : 'figway_legacy_changes',
    queue: createChangeQueue({
      db,
      table,
      madeAt: table === 'figway.outbox' ? 'created_at' : 'captured_at',
      lockKey: table === 'figway.outbox' ? OUTBOX_LOCK : CAPTURE_LOCK,
      ...(retry === undefined ? {} : { retry }),
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
}

/** Waits `ms`, or until a NOTIFY or a write wakes the direction. */
export function sleepUntilWoken(way: Direction, ms: number): Promise<void> {
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

/** Sets the direction's backlog gauges, at most once a second; a failure is logged, never thrown. */
export async function sampleBacklog(
  way: Direction,
  metrics: Pick<GatewayMetrics, 'mirrorBacklog'>,
  log: RateLimitedLog,
): Promise<void> {
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
