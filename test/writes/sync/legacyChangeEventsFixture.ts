import type { TestEngine } from '../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { openPostgresDatabase } from '../../../src/backends/sql/postgresDatabase.ts';
import { DEMO_TYPES } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { findDemoUser } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { ChangePublisher, CommitmentChange } from '../../../src/core/changeEvents.ts';
import type { Database } from '../../../src/core/database.ts';
import { toCapturedChange } from '../../../src/writes/sync/queueRows.ts';
import type { CapturedChange } from '../../../src/writes/sync/syncTypes.ts';
import { startTcpProxy } from '../../support/tcpProxy.ts';

export const ALICE = findDemoUser('alice')?.id ?? '';
export const BOB = findDemoUser('bob')?.id ?? '';
export const LOAN = DEMO_TYPES[0].id;

/** Runs the statements in one legacy transaction carrying `userId`'s JWT claims (and `origin`), as PostgREST does. */
export function asUser(
  legacy: Database,
  userId: string,
  statements: ReadonlyArray<[string, unknown[]]>,
  origin?: 'mirror',
): Promise<void> {
  return legacy.transaction(async (tx) => {
    await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: userId })]);
    if (origin !== undefined) await tx.query("select set_config('figway.origin', $1, true)", [origin]);
    for (const [sql, params] of statements) await tx.query(sql, params);
  });
}

/** The change a legacy transaction made to a commitment, as the feed tells it. */
export function legacyChange(
  first: CapturedChange,
  activities: CommitmentChange['activities'],
  actorId: string | null,
): CommitmentChange {
  return {
    id: `legacy:${first.transactionId}:${first.entityId}`,
    source: 'legacy',
    commitmentId: first.entityId,
    activities,
    actorId,
    at: first.capturedAt.toISOString(),
  };
}

/** The changes waiting in the capture queue, in id order. */
export async function queued(legacy: Database): Promise<CapturedChange[]> {
  const rows = await legacy.query('select * from figway.legacy_changes where dead_at is null order by id');
  return rows.map(toCapturedChange);
}

/** A publisher that keeps what it is told and notes each call in `order`. */
export function recordingPublisher(order: string[]): ChangePublisher & { told: CommitmentChange[] } {
  const told: CommitmentChange[] = [];
  return {
    told,
    publish(changes) {
      order.push('publish');
      told.push(...changes);
    },
  };
}

/** The fixture's ledger, noting each write in `order` before it is made. */
export function notingWrites(ledger: Ledger, order: string[]): Ledger {
  return {
    ...ledger,
    write(writes, within) {
      order.push('apply');
      return ledger.write(writes, within);
    },
  };
}

/**
 * A ledger that cannot be reached: on PostgreSQL, behind a TCP proxy that refuses
 * connections; on PGlite, a database of its own that was closed.
 */
export async function unreachableLedger(
  engine: TestEngine,
): Promise<{ ledger: Ledger; close(): Promise<void> }> {
  const created = await engine.create();
  if (created.url === null) {
    const ledger = await openLedger(created.db);
    await created.drop();
    return { ledger, close: async () => {} };
  }
  const proxy = await startTcpProxy(Number(new URL(created.url).port || 5432));
  const db = openPostgresDatabase({ connectionString: proxy.via(created.url) });
  const ledger = await openLedger(db);
  await proxy.refuse();
  return {
    ledger,
    async close() {
      await db.close();
      await proxy.close();
      await created.drop();
    },
  };
}
