import type { GatewayMetrics } from '../../reports/gatewayMetrics.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import type { QueuedRow } from './changeQueue.ts';
import { describeError } from './classifyFailure.ts';
import { NOTHING, type Pass } from './mirrorWaiters.ts';
import { sortOutcomes } from './sortOutcomes.ts';
import type { Direction } from './syncDirection.ts';
import type { ChangeOutcome } from './syncTypes.ts';

/** How one pass claims and what it reports to. */
export interface PassSettings {
  batchSize: number;
  leaseMs: number;
  metrics: Pick<GatewayMetrics, 'mirrorLag' | 'mirrorChanges'>;
  log: RateLimitedLog;
  /** Only these entities (a write's own mirror); all that are due otherwise. */
  entityIds?: readonly string[];
  /** Hears the claimed rows before they are applied (legacy's change feed). Must not throw. */
  onClaimed?: (rows: readonly QueuedRow[]) => void;
}

/**
 * One pass of a direction: claims due changes, applies them, and settles each: applied ones leave the queue,
 * a failed one waits for its retry, and so do the later changes of its entity.
 */
export async function runPass(way: Direction, owner: string, settings: PassSettings): Promise<Pass> {
  const { metrics, log } = settings;
  const rows = await way.queue.claim(owner, {
    limit: settings.batchSize,
    leaseMs: settings.leaseMs,
    ...(settings.entityIds === undefined ? {} : { entityIds: settings.entityIds }),
  });
  if (rows.length === 0) return NOTHING;
  settings.onClaimed?.(rows);
  let outcomes: ChangeOutcome[];
  try {
    outcomes = await way.apply(rows);
  } catch (error) {
    outcomes = rows.map((row) => ({ id: row.id, result: 'failed', error }));
  }
  const sorted = sortOutcomes(rows, outcomes);
  const now = Date.now();
  for (const { row, result } of sorted.done) {
    metrics.mirrorChanges.inc({ to: way.to, result });
    if (result !== 'applied') continue;
    const seconds = Math.max(0, (now - row.madeAt.getTime()) / 1000);
    metrics.mirrorLag.observe({ to: way.to }, seconds);
    way.lag.add(seconds);
  }
  for (const { row, error, poison } of sorted.failures) {
    metrics.mirrorChanges.inc({ to: way.to, result: 'failed' });
    log.log(
      `sync/${way.to}/${poison ? 'refused' : 'unavailable'}`,
      poison ? 'error' : 'warn',
      { err: error, change: row.id, entity: row.entityId, to: way.to, attempts: row.attempts + 1 },
      poison
        ? 'the other side refused a mirrored change; it is retried, then kept as a dead letter'
        : 'mirroring waits: the other side is unreachable',
    );
  }
  await way.queue.complete(
    owner,
    sorted.done.map(({ row }) => row.id),
  );
  await way.queue.fail(
    owner,
    sorted.failures.map(({ row, error, poison }) => ({ id: row.id, error: describeError(error), poison })),
  );
  await way.queue.release(
    owner,
    sorted.released.map((row) => row.id),
  );
  return {
    claimed: rows.length,
    unavailable: sorted.unavailable,
    failed: sorted.failures.length,
    failedEntities: sorted.failedEntities,
    entities: new Set(rows.map((row) => row.entityId)),
  };
}
