import type { Side, Stage } from '../../core/stage.ts';

/** What `figway reconcile` compares: commitments (legacy and the ledger), profiles and commitment types (legacy and the OLTP service). */
export type ReconcileEntity = 'commitments' | 'profiles' | 'commitment-types';

/** The entities, in the order `figway reconcile` lists them. */
export const RECONCILE_ENTITIES: readonly ReconcileEntity[] = ['commitments', 'profiles', 'commitment-types'];

/** True when `value` names an entity reconcile knows. */
export function isReconcileEntity(value: unknown): value is ReconcileEntity {
  return typeof value === 'string' && (RECONCILE_ENTITIES as readonly string[]).includes(value);
}

/** The share of divergent rows above which the verdict is `over threshold`: 0.5%. */
export const DIVERGENCE_THRESHOLD = 0.005;

/** Ids per chunk when none is given. */
export const DEFAULT_CHUNK_SIZE = 1000;

/**
 * One row that differs between the sides: the fields whose values differ, or the
 * side that lacks it (`fields` is then empty).
 */
export interface DivergentRow {
  id: string;
  fields: string[];
  missingOn?: 'target' | 'legacy';
}

/** `in sync` (nothing differs), `diverged` (something does, at or under the threshold), `over threshold`. */
export type ReconcileVerdict = 'in sync' | 'diverged' | 'over threshold';

/** Which side's rows count, and why: a repair rewrites the other side from it. */
export interface ReconcileAuthority {
  side: Side;
  /** The unit whose stage decides it, for commitments. */
  unit?: string;
  stage?: Stage;
  reason: string;
}

/** What a repair did. */
export interface RepairReport {
  /** The ids whose non-authoritative side was rewritten. */
  repaired: string[];
  /** The divergent ids a repair cannot or did not fix, with why. */
  unrepaired: Array<{ id: string; reason: string }>;
  /** The same as the result's `conflictsResolved`: the re-check after the repair decides it. */
  conflictsResolved: number;
  /** What the check before the repair found; the result's own figures are the re-check's. */
  before: { divergent: number; rows: DivergentRow[] };
}

/** Changes in one of the mirror's queues: waiting to be applied, and set aside as dead letters. */
export interface QueuedCount {
  pending: number;
  dead: number;
}

/**
 * The entity's changes still in the mirror's queues: legacy's captured changes not yet
 * applied to the target, and the target's writes not yet copied to legacy.
 */
export interface QueuedChanges {
  toTarget: QueuedCount;
  toLegacy: QueuedCount;
}

/** What reconciling an entity found (after a repair: what the re-check found). */
export interface ReconcileResult {
  entity: ReconcileEntity;
  /** Distinct ids seen on either side. */
  compared: number;
  /** Ids that differ or are missing on one side. */
  divergent: number;
  missingOnTarget: number;
  missingOnLegacy: number;
  divergenceRate: number;
  threshold: number;
  verdict: ReconcileVerdict;
  /** Chunks compared, and how many of them had to be narrowed down. */
  chunks: number;
  chunksDiffering: number;
  authority: ReconcileAuthority;
  rows: DivergentRow[];
  /**
   * Rows of figway.sync_conflicts, open when the run started, that it marked
   * resolved because their entity compared equal on both sides (after a repair: in
   * the re-check). 0 when the database has no mirror tables.
   */
  conflictsResolved: number;
  /**
   * The entity's changes still in the mirror's queues when the run ended: while any is
   * pending, a divergent row may only be waiting for the mirror. Zeros where the
   * mirror's tables are absent.
   */
  queued: QueuedChanges;
  /** Present after `--repair`. */
  repair?: RepairReport;
}

/** Progress of a comparison: rows read from both sides out of the rows both sides held at its start. */
export interface ReconcileProgress {
  entity: ReconcileEntity;
  read: number;
  total: number;
  divergent: number;
}

/** Options of a reconcile run. */
export interface ReconcileOptions {
  /**
   * The stage of `Mutation.updateCommitmentStatus` for everyone: it decides which side
   * is authoritative for commitments (the target from `live` on, legacy before).
   */
  mutationStage: Stage;
  /** Rewrite the non-authoritative side of each divergent row, then check again. @default false */
  repair?: boolean;
  /** Ids per chunk. @default 1000 */
  chunkSize?: number;
  /** Called after each chunk. */
  onProgress?: (progress: ReconcileProgress) => void;
}

/** The verdict for `divergent` of `compared` rows against {@link DIVERGENCE_THRESHOLD}. */
export function judgeDivergence(divergent: number, compared: number): ReconcileVerdict {
  if (divergent === 0) return 'in sync';
  return divergent / Math.max(compared, 1) > DIVERGENCE_THRESHOLD ? 'over threshold' : 'diverged';
}
