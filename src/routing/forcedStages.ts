import type { Viewer } from '../backends/viewer.ts';
import { isStage, type Stage } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { isMutationUnit } from './stageForEveryone.ts';

/** The header an admin sends to force stages for one request: `Query.commitment=live, Commitment.status=shadow`. */
export const FORCE_STAGE_HEADER = 'x-figway-stage';

/** What the x-figway-stage header of one request forces, and what of it was ignored. */
export interface ForcedStages {
  /** The stage forced for each unit; absent when nothing is forced. */
  stages?: Map<string, Stage>;
  /** True when the caller may not force stages (not service_role): the whole header was ignored. */
  ignored: boolean;
  /** The `Mutation.*` units the header named, left at their stage for everyone; absent when none. */
  ignoredMutations?: Array<{ unit: string; stage: Stage }>;
}

/**
 * The stages forced by the x-figway-stage header. Only a service_role caller may force
 * stages: for anyone else the header is ignored (`ignored: true`, for the caller to log).
 * A `Mutation.*` unit is never forced, since a write's unit has one stage for everyone
 * (one authoritative side per row); such units are left out and listed in
 * `ignoredMutations`, for the caller to log. A malformed header from an admin, or one
 * naming a unit that is not in `units`, is BAD_REQUEST, so a typo
 * (`Commitment.stauts=live`) never goes unnoticed.
 */
export function forcedStages(
  viewer: Viewer,
  header: string | undefined,
  units: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): ForcedStages {
  if (header === undefined || header.trim() === '') return { ignored: false };
  if (viewer.kind !== 'service') return { ignored: true };
  const stages = new Map<string, Stage>();
  const ignoredMutations: Array<{ unit: string; stage: Stage }> = [];
  for (const part of header.split(',')) {
    const [unit, stage] = part.split('=').map((text) => text.trim());
    if (unit === undefined || unit === '' || !isStage(stage)) {
      throw new FigwayError(
        ErrorCode.BAD_REQUEST,
        `${FORCE_STAGE_HEADER}: "${part.trim()}" is not Unit=stage (stages: legacy, dualwrite, shadow, live, rampdown, complete).`,
      );
    }
    if (!units.has(unit)) {
      throw new FigwayError(
        ErrorCode.BAD_REQUEST,
        `${FORCE_STAGE_HEADER}: no migration unit is called "${unit}". Units: ${[...units.keys()].sort().join(', ')}.`,
      );
    }
    if (isMutationUnit(unit)) ignoredMutations.push({ unit, stage });
    else stages.set(unit, stage);
  }
  return { stages, ignored: false, ...(ignoredMutations.length === 0 ? {} : { ignoredMutations }) };
}
