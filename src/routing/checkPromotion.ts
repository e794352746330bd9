import type { CatalogueEntry } from '../core/catalogue.ts';
import type { Queryable } from '../core/database.ts';
import type { Stage } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { judgeMovedRules, type MovedRule, type PromotionCheck } from '../reports/promotionCheck.ts';
import { unitThresholds } from '../reports/unitThresholds.ts';
import { keyedHash } from '../shadow/redact.ts';
import type { Routing } from './createRouting.ts';
import { describeFlags, type StageLine, type UnitStages } from './describeFlags.ts';
import type { FlagDefinitions } from './flagFiles.ts';

const MOVED: ReadonlySet<Stage> = new Set<Stage>(['live', 'rampdown', 'complete']);

/** How {@link movedRules} finds each rule's evidence. */
export interface MovedRuleOptions {
  /** The salt the gateways hash user ids with in observations; null: user rules are judged per unit. */
  salt: string | null;
  /** Names for user ids in the output. @default the id */
  userNames?: (id: string) => string;
}

function evidenceOf(line: StageLine, options: MovedRuleOptions): Array<MovedRule['evidence']> {
  const { scope } = line;
  switch (scope.kind) {
    case 'nobody':
      return [];
    case 'cohorts':
      return scope.cohorts.map((cohort) => ({ kind: 'cohort', cohort }));
    case 'users': {
      const { salt } = options;
      if (salt === null)
        return [{ kind: 'unit', why: 'user ids match observations only with the salt (FIGWAY_SHADOW_SALT)' }];
      return [
        {
          kind: 'users',
          users: scope.userIds.map(options.userNames ?? ((id) => id)),
          userHashes: scope.userIds.map((id) => keyedHash(id, salt)),
        },
      ];
    }
    case 'unit':
      return [{ kind: 'unit', why: 'observations do not record which rule picked the user' }];
  }
}

/**
 * The rules of `units` (as `figway flags list` describes them) that serve `live`,
 * `rampdown` or `complete` to someone, each with whose observations are its evidence:
 * one per cohort of a cohort rule, the named users of a user rule, the whole unit for
 * anything else. Ignored rules and strategies that match no one are left out.
 */
export function movedRules(units: readonly UnitStages[], options: MovedRuleOptions): MovedRule[] {
  const rules: MovedRule[] = [];
  for (const unit of units) {
    for (const line of unit.lines) {
      if (line.ignored !== undefined) continue;
      const stages = [...new Set(line.served.map((served) => served.stage))].filter((stage) =>
        MOVED.has(stage),
      );
      if (stages.length === 0) continue;
      for (const evidence of evidenceOf(line, options))
        rules.push({ unit: unit.unit, flag: unit.flag, who: line.who, stages, evidence });
    }
  }
  return rules;
}

/** What {@link checkPromotion} reads. */
export interface CheckPromotionInput extends MovedRuleOptions {
  catalogue: readonly CatalogueEntry[];
  /** The flags as figway evaluates them (a flags file, or what Unleash serves). */
  definitions: FlagDefinitions;
  /** The observation store. */
  db: Queryable;
  /** Observations at or after this instant are the evidence. */
  since: Date;
  /** @default new Date() */
  now?: Date;
}

/**
 * The promotion check: every rule at `live`, `rampdown` or `complete` with the
 * shadow-diff verdict of its evidence (thresholds from the catalogue), and those that
 * are not `ready`, moved without evidence.
 */
export function checkPromotion(input: CheckPromotionInput): Promise<PromotionCheck> {
  const units = describeFlags(input.catalogue, input.definitions, input.userNames);
  return judgeMovedRules(input.db, movedRules(units, input), {
    since: input.since,
    thresholdsFor: unitThresholds(input.catalogue),
    ...(input.now === undefined ? {} : { now: input.now }),
  });
}

/**
 * The gateway's promotion check (for `/admin/api/shadow/promotion`): its catalogue and
 * the flags its stage source evaluates now, over the observation store `db`. Rejects
 * with BACKEND_UNAVAILABLE while the source has no flags yet (Unleash not reached).
 */
export function createPromotionCheck(
  routing: Routing,
  db: Queryable,
  options: MovedRuleOptions,
): (since: Date, now: Date) => Promise<PromotionCheck> {
  return async (since, now) => {
    const definitions = routing.flagDefinitions();
    if (definitions === null)
      throw new FigwayError(
        ErrorCode.BACKEND_UNAVAILABLE,
        'The gateway has not loaded its flags yet (Unleash not reached): no promotion check until it has.',
      );
    return checkPromotion({
      ...options,
      catalogue: [...routing.catalogue.values()],
      definitions,
      db,
      since,
      now,
    });
  };
}
