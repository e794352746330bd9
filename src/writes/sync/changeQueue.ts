import type { Database, Row } from '../../core/database.ts';

/** A queued change as the queue knows it: its id, its entity, when it was made. */
export interface QueuedRow {
  id: number;
  entityId: string;
  madeAt: Date;
  attempts: number;
  row: Row;
}

/** A change set aside after too many failures of its own. */
export interface DeadLetter {
  id: number;
  entityId: string;
  madeAt: string;
  attempts: number;
  lastError: string | null;
  deadAt: string;
}

/** Where one queue stands. */
export interface QueueStatus {
  /** Changes waiting to be applied (dead letters excluded). */
  pending: number;
  /** Age of the oldest waiting change, in seconds, or null when none waits: the lag right now. */
  oldestPendingSeconds: number | null;
  /** Waiting changes whose last attempt failed, retried with backoff. */
  retrying: number;
  deadLetters: DeadLetter[];
}

/** How a failed change is retried. */
export interface RetryPolicy {
  /** Failures of the change itself before it becomes a dead letter. @default 5 */
  maxAttempts: number;
  /** The first retry waits about this long; each next one twice as long. @default 250 */
  baseDelayMs: number;
  /** No retry waits longer. @default 5000 */
  maxDelayMs: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 5_000 };

/** One failed change: why, and whether the change itself is at fault (a down backend is not). */
export interface QueueFailure {
  id: number;
  error: string;
  /** True when the change was refused (counts toward the dead letters); false when a backend was unreachable. */
  poison: boolean;
}

/**
 * A queue of changes in a database table (`figway.legacy_changes` on legacy,
 * `figway.outbox` on the ledger), delivered by claims with a lease: a change is
 * claimed by one applier at a time, and every change of one entity by the same one,
 * in order, so that several gateways or workers share the work without applying a
 * change twice or out of order. A crashed applier's claims lapse with their lease.
 */
export interface ChangeQueue {
  /** The table, for logs. */
  readonly table: string;
  /**
   * Claims every due change of up to `limit` entities, oldest first, for `owner`:
   * entities nobody else holds a claim on, without an earlier change still waiting for
   * a retry or set aside as a dead letter (its later changes wait behind it, in order,
   * until it is retried). Whole entities, so one legacy transaction's changes are never
   * split between batches. With `entityIds`, only those entities.
   */
  claim(
    owner: string,
    options: { limit: number; leaseMs: number; entityIds?: readonly string[] },
  ): Promise<QueuedRow[]>;
  /**
   * Removes applied (or recorded) changes from the queue. Each of these three acts only
   * on changes `owner` still holds: a claim that lapsed and was taken over is left alone.
   */
  complete(owner: string, ids: readonly number[]): Promise<void>;
  /** Puts failed changes back with a retry time; a poison change past its attempts becomes a dead letter. */
  fail(owner: string, failures: readonly QueueFailure[]): Promise<void>;
  /** Gives claimed changes back untouched, due at once. */
  release(owner: string, ids: readonly number[]): Promise<void>;
  /** Where the changes of these entities stand: waiting, waiting after a failure, set aside. */
  entityState(entityIds: readonly string[]): Promise<{ pending: number; retrying: number; dead: number }>;
  status(): Promise<QueueStatus>;
  /** Puts a dead letter back in the queue; false when no dead letter has that id. */
  retry(id: number): Promise<boolean>;
}

/** Options of {@link createChangeQueue}. */
export interface ChangeQueueOptions {
  db: Database;
  table: 'figway.legacy_changes' | 'figway.outbox';
  /** The column holding when the change was made. */
  madeAt: 'captured_at' | 'created_at';
  /** The advisory lock that serializes claims on this table. */
  lockKey: number;
  retry?: Partial<RetryPolicy>;
  /** Random numbers for the jitter. @default Math.random */
  random?: () => number;
}

function delayOf(policy: RetryPolicy, attempts: number, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempts, 20));
  // Full jitter over the upper half: appliers that failed together do not retry together.
  return Math.round(exponential * (0.5 + random() / 2));
}

/** Creates the {@link ChangeQueue} over one queue table. */
export function createChangeQueue(options: ChangeQueueOptions): ChangeQueue {
  const { db, table, madeAt, lockKey } = options;
  // Compared in the column's own type, so the entity index serves the lookups.
  const entityType = table === 'figway.legacy_changes' ? 'uuid' : 'text';
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;

  // Claims are serialized by an advisory lock held for the claiming statement's
  // transaction only, so two appliers never both see an entity as free.
  async function claim(
    owner: string,
    request: { limit: number; leaseMs: number; entityIds?: readonly string[] },
  ) {
    const rows = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [lockKey]);
      // One instant for the whole claim, now() (the transaction's start): with
      // clock_timestamp() a change could fall due in the middle of the statement after
      // the change behind it was judged still held back, and an entity's changes of one
      // legacy transaction would be split between batches.
      return tx.query(
        `with due as (
           select c.id, c.entity_id from ${table} c
           where c.dead_at is null
             and (c.claimed_until is null or c.claimed_until <= now())
             and (c.next_attempt_at is null or c.next_attempt_at <= now())
             and ($4::text[] is null or c.entity_id = any($4::text[]::${entityType}[]))
             and not exists (
               select 1 from ${table} e
               where e.entity_id = c.entity_id
                 and ((e.dead_at is null and e.claimed_until > now())
                   or (e.id < c.id and (e.dead_at is not null or e.next_attempt_at > now()))))),
         entities as (select entity_id from due group by entity_id order by min(id) limit $3)
         update ${table} q set claimed_by = $1, claimed_until = clock_timestamp() + make_interval(secs => $2::float8 / 1000)
         where q.id in (select id from due where entity_id in (select entity_id from entities))
         returning q.*`,
        [
          owner,
          request.leaseMs,
          request.limit,
          request.entityIds === undefined ? null : [...request.entityIds],
        ],
      );
    });
    return rows
      .map((row) => ({
        id: Number(row.id),
        entityId: String(row.entity_id),
        madeAt: row[madeAt] instanceof Date ? (row[madeAt] as Date) : new Date(String(row[madeAt])),
        attempts: Number(row.attempts),
        row,
      }))
      .sort((a, b) => a.id - b.id);
  }

  return {
    table,
    claim,
    async complete(owner, ids) {
      if (ids.length > 0)
        await db.query(`delete from ${table} where id = any($1::bigint[]) and claimed_by = $2`, [
          [...ids],
          owner,
        ]);
    },
    // Every failure lengthens the wait (the backoff follows `failures`); only a refusal
    // counts toward the dead letters (`attempts`): a side that is down is waited for.
    async fail(owner, failures) {
      for (const failure of failures) {
        const [row] = await db.query(
          `select attempts, failures from ${table} where id = $1 and claimed_by = $2`,
          [failure.id, owner],
        );
        if (row === undefined) continue;
        const attempts = Number(row.attempts) + (failure.poison ? 1 : 0);
        const failed = Number(row.failures) + 1;
        const dead = failure.poison && attempts >= policy.maxAttempts;
        await db.query(
          `update ${table} set attempts = $2, failures = $3, last_error = $4, claimed_by = null, claimed_until = null,
             next_attempt_at = clock_timestamp() + make_interval(secs => $5::float8 / 1000),
             dead_at = case when $6 then clock_timestamp() end
           where id = $1 and claimed_by = $7`,
          [
            failure.id,
            attempts,
            failed,
            failure.error.slice(0, 2000),
            delayOf(policy, failed - 1, random),
            dead,
            owner,
          ],
        );
      }
    },
    async release(owner, ids) {
      if (ids.length > 0)
        await db.query(
          `update ${table} set claimed_by = null, claimed_until = null where id = any($1::bigint[]) and claimed_by = $2`,
          [[...ids], owner],
        );
    },
    async entityState(entityIds) {
      const [row] = await db.query(
        `select count(*) filter (where dead_at is null) as pending,
                count(*) filter (where dead_at is null and last_error is not null) as retrying,
                count(*) filter (where dead_at is not null) as dead
         from ${table} where entity_id = any($1::text[]::${entityType}[])`,
        [[...entityIds]],
      );
      return {
        pending: Number(row?.pending ?? 0),
        retrying: Number(row?.retrying ?? 0),
        dead: Number(row?.dead ?? 0),
      };
    },
    async status() {
      const [summary] = await db.query(
        `select count(*) filter (where dead_at is null) as pending,
                count(*) filter (where dead_at is null and last_error is not null) as retrying,
                extract(epoch from clock_timestamp() - min(${madeAt}) filter (where dead_at is null)) as oldest
         from ${table}`,
      );
      const dead = await db.query(
        `select id, entity_id, ${madeAt} as made_at, attempts, last_error, dead_at from ${table}
         where dead_at is not null order by id limit 100`,
      );
      const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString();
      return {
        pending: Number(summary?.pending ?? 0),
        retrying: Number(summary?.retrying ?? 0),
        oldestPendingSeconds:
          summary?.oldest === null || summary?.oldest === undefined ? null : Number(summary.oldest),
        deadLetters: dead.map((row) => ({
          id: Number(row.id),
          entityId: String(row.entity_id),
          madeAt: iso(row.made_at),
          attempts: Number(row.attempts),
          lastError: row.last_error === null ? null : String(row.last_error),
          deadAt: iso(row.dead_at),
        })),
      };
    },
    async retry(id) {
      const rows = await db.query(
        `update ${table} set dead_at = null, attempts = 0, failures = 0, next_attempt_at = null, last_error = null
         where id = $1 and dead_at is not null returning id`,
        [id],
      );
      return rows.length === 1;
    },
  };
}
