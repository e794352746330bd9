import type { Viewer } from '../backends/viewer.ts';
import type { CatalogueEntry } from '../core/catalogue.ts';
import type { Side, Stage } from '../core/stage.ts';
import { isMutationUnit } from './stageForEveryone.ts';
import { EVERYONE, type StageContext, type StageDecision, type StageSource } from './stageSource.ts';

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

/** What a request router reports about flags that could not be evaluated. */
export type FlagProblemReporter = (flag: string, decision: StageDecision) => void;

/**
 * The routing state of one request: each unit's stage is decided once, on first use,
 * and kept for the rest of the request; what served each unit is recorded. A
 * `Mutation.*` unit's stage is decided without the user: one stage for everyone.
 */
export interface RequestRouter {
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
    const decision = options.source.decide(entry.flag, isMutationUnit(unit) ? EVERYONE : context);
    if (decision.reason !== 'variant' && decision.reason !== 'off')
      options.onFlagProblem(entry.flag, decision);
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
