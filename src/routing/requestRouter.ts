import type { Viewer } from '../backends/viewer.ts';
import type { CatalogueEntry } from '../core/catalogue.ts';
import type { Side, Stage } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { isMutationUnit } from './stageForEveryone.ts';
import {
  EVERYONE,
  type StageContext,
  type StageDecision,
  type StageReason,
  type StageSource,
} from './stageSource.ts';

/** Which side served a unit in one request, at which stage. */
export interface RouteRecord {
  stage: Stage;
  backend: Side;
  /** True when an admin forced the stage with the x-figway-stage header. */
  forced?: true;
}

/** A read whose target failed and that legacy answered, under the unit's fallback policy. */
export interface FallbackRecord {
  unit: string;
  error: string;
}

/**
 * What a request router reports about flags that could not be evaluated, and what it
 * did about it: served `legacy`, or `refused` a `Mutation.*` unit whose stage for
 * everyone it does not know.
 */
export type FlagProblemReporter = (
  flag: string,
  decision: StageDecision,
  outcome: 'legacy' | 'refused',
) => void;

/**
 * The reasons that leave a gateway not knowing a `Mutation.*` unit's stage for the
 * fleet: its flags are not loaded yet, their evaluation failed, or the flag serves a
 * variant this gateway does not know as a stage (a typo, or a stage of a newer
 * figway). Legacy would be a guess there: when the fleet writes the target, a write to
 * legacy is never mirrored to it and legacy's row goes stale. A missing flag
 * (`unknown-flag`) is not among them: every gateway reading the same flags misses it
 * alike, and a missing flag is legacy for all of them (as `figway reconcile` reads it).
 */
const UNKNOWN_FOR_EVERYONE: ReadonlySet<StageReason> = new Set(['not-synchronized', 'error', 'not-a-stage']);

// Why the stage is unknown, and when a retry can succeed.
function whyUnknown(flag: string, reason: StageReason): [string, string] {
  switch (reason) {
    case 'not-synchronized':
      return [
        'this gateway has not loaded its flags yet (Unleash not reached since it started)',
        'Retry once the flags are loaded.',
      ];
    case 'not-a-stage':
      return [`its flag ${flag} serves a variant that is not a stage`, 'Retry once the flag names a stage.'];
    default:
      return [`this gateway could not evaluate its flag ${flag}`, 'Retry later.'];
  }
}

/** The refusal of a write whose unit's stage for everyone the gateway does not know. */
export function unknownWriteStageError(unit: string, flag: string, reason: StageReason): FigwayError {
  const [why, retry] = whyUnknown(flag, reason);
  return new FigwayError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `${unit} was refused and nothing was written: ${why}, so it cannot tell which side is ` +
      `authoritative for the write. ${retry}`,
    { backend: 'flags', unit, flag, reason },
  );
}

/**
 * The routing state of one request: each unit's stage is decided once, on first use,
 * and kept for the rest of the request; what served each unit is recorded. A
 * `Mutation.*` unit's stage is decided without the user: one stage for everyone.
 */
export interface RequestRouter {
  /**
   * The unit's stage. A unit whose flag cannot be evaluated is `legacy`, except a
   * `Mutation.*` unit whose stage for everyone the gateway does not know (flags not
   * loaded, evaluation failed, a variant that is not a stage): that throws
   * BACKEND_UNAVAILABLE ({@link unknownWriteStageError}) before anything is written.
   */
  stageOf(unit: string): Stage;
  record(unit: string, stage: Stage, backend: Side): void;
  /** True when the unit's policy lets a failed target read fall back to legacy. */
  fallsBackToLegacy(unit: string): boolean;
  recordFallback(unit: string, error: unknown): void;
  readonly routes: Readonly<Record<string, RouteRecord>>;
  readonly fallbacks: readonly FallbackRecord[];
}

/** What a request router needs from the gateway. */
export interface RouterOptions {
  source: StageSource;
  catalogue: ReadonlyMap<string, CatalogueEntry>;
  /** False when no target is configured: every unit then stays on legacy. */
  targetsAvailable: boolean;
  /** Stages an admin forced for this request; never applied to a `Mutation.*` unit. */
  forced?: ReadonlyMap<string, Stage>;
  onFlagProblem: FlagProblemReporter;
  onRouteFallback: (unit: string) => void;
}

/** The Unleash context of a viewer: userId is the JWT sub, with cohort, role and email domain. */
export function stageContextOf(viewer: Viewer): StageContext {
  switch (viewer.kind) {
    case 'anonymous':
      return { properties: { role: 'anon' } };
    case 'service':
      return { ...(viewer.id === null ? {} : { userId: viewer.id }), properties: { role: 'service_role' } };
    case 'user':
      return {
        userId: viewer.id,
        properties: {
          role: 'authenticated',
          ...(viewer.cohort === null ? {} : { cohort: viewer.cohort }),
          ...(viewer.email === null ? {} : { emailDomain: viewer.email.split('@')[1] ?? '' }),
        },
      };
  }
}

/** Creates the router of one request for `viewer`. */
export function createRequestRouter(viewer: Viewer, options: RouterOptions): RequestRouter {
  const context = stageContextOf(viewer);
  const stages = new Map<string, Stage>();
  const routes: Record<string, RouteRecord> = {};
  const fallbacks: FallbackRecord[] = [];

  // A forced stage never applies to a Mutation unit (forcedStages leaves them out too):
  // its one stage for everyone is what keeps each row with one authoritative side.
  const forcedOf = (unit: string) => (isMutationUnit(unit) ? undefined : options.forced?.get(unit));

  function decide(unit: string): Stage {
    const forced = forcedOf(unit);
    if (forced !== undefined) return forced;
    const entry = options.catalogue.get(unit);
    // Fail closed: an unknown unit or a gateway without targets serves legacy.
    if (entry === undefined || !options.targetsAvailable) return 'legacy';
    // A write's unit has one stage for everyone, so each row has one authoritative
    // side: two users in different stages would otherwise write diverging histories.
    const write = isMutationUnit(unit);
    const decision = options.source.decide(entry.flag, write ? EVERYONE : context);
    if (decision.reason === 'variant' || decision.reason === 'off') return decision.stage;
    // Reads fail closed to legacy; a write whose stage for everyone is unknown is refused.
    const refused = write && UNKNOWN_FOR_EVERYONE.has(decision.reason);
    options.onFlagProblem(entry.flag, decision, refused ? 'refused' : 'legacy');
    if (refused) throw unknownWriteStageError(unit, entry.flag, decision.reason);
    return decision.stage;
  }

  return {
    stageOf(unit) {
      let stage = stages.get(unit);
      if (stage === undefined) {
        stage = decide(unit);
        stages.set(unit, stage);
      }
      return stage;
    },
    record(unit, stage, backend) {
      routes[unit] = {
        stage,
        backend,
        ...(forcedOf(unit) === undefined ? {} : { forced: true as const }),
      };
    },
    fallsBackToLegacy: (unit) => options.catalogue.get(unit)?.fallback === 'legacy',
    recordFallback(unit, error) {
      fallbacks.push({ unit, error: error instanceof Error ? error.message : String(error) });
      options.onRouteFallback(unit);
    },
    routes,
    fallbacks,
  };
}
