import type { Row } from '../../core/database.ts';

/** A change captured on legacy (a row of `figway.legacy_changes`), as the applier receives it. */
export interface CapturedChange {
  id: number;
  entity: 'commitment' | 'profile' | 'commitment_type';
  /** The commitment (for its own row, a party or a document), profile or commitment type. */
  entityId: string;
  tableName: 'commitments' | 'commitment_parties' | 'commitment_documents' | 'profiles' | 'commitment_types';
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  /** The row after the change (before it, for a DELETE), as `to_jsonb` gave it. */
  rowData: Row;
  /** The row before an UPDATE; null for INSERT and DELETE (and for changes captured before `before_data` existed). */
  before: Row | null;
  /** `mirror` when figway's mirror made the change (it is never mirrored back), `legacy` otherwise. */
  origin: string;
  actor: string | null;
  /** The legacy transaction that made the change; one transaction's changes to an entity are one revision. */
  transactionId: string;
  capturedAt: Date;
}

/** A write served by the target, waiting in `figway.outbox` to be applied to legacy. */
export interface OutboxEntry {
  id: number;
  entity: 'commitment';
  entityId: string;
  unit: string;
  stage: string;
  actor: string | null;
  /** The ledger revision the write created; legacy is brought to it. */
  revision: number;
  createdAt: Date;
}

/**
 * What applying one queued change did: `applied` (the other side has it now),
 * `skipped` (nothing to do: applied before, an echo of figway's own mirror, or the
 * other side already holds it), `conflict` (recorded in `figway.sync_conflicts`, not
 * applied over the newer authoritative state) or `failed` (left queued, with why).
 */
export type ChangeOutcome =
  | { id: number; result: 'applied' | 'skipped' | 'conflict' }
  | { id: number; result: 'failed'; error: unknown };
