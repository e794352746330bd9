/** What a backfill copies: commitments to the ledger, profiles and commitment types to the OLTP service. */
export type BackfillJob = 'commitments' | 'profiles' | 'commitment-types';

/** The jobs, in the order a full backfill runs them (reference data first). */
export const BACKFILL_JOBS: readonly BackfillJob[] = ['commitment-types', 'profiles', 'commitments'];

/** Counts so far; `written` counts source rows that changed the target, `skipped` those already there. */
export interface BackfillProgress {
  job: BackfillJob;
  /** Source rows in the whole job, counted at its start. */
  total: number;
  read: number;
  written: number;
  skipped: number;
  failed: number;
}

/** How a backfill run ended. */
export interface BackfillSummary extends BackfillProgress {
  /** Ledger revisions appended (commitments only). */
  revisions: number;
  /** The rows that failed, with why. */
  failures: Array<{ id: string; error: string }>;
  /** True when the run was stopped before the end; run again to resume. */
  interrupted: boolean;
}

/** Options every backfill job takes. */
export interface BackfillOptions {
  /** Source rows per batch; each batch commits with its progress. @default 100 */
  batchSize?: number;
  /** Stops the run after the batch in flight commits. */
  signal?: AbortSignal;
  /** Called after each committed batch. */
  onProgress?: (progress: BackfillProgress) => void;
}
