import { isStage, type Stage } from '../core/stage.ts';
import { asEveryoneFeature, stageForEveryone } from './stageForEveryone.ts';

/** The Unleash context a user's stages are evaluated in. */
export interface StageContext {
  [field: string]: string | undefined | Record<string, string | undefined>;
  /** The JWT `sub`; stickiness is on it, so a user keeps a stage across requests and instances. */
  userId?: string;
  /** `cohort` (JWT app_metadata.cohort), `role` and `emailDomain`. */
  properties: Record<string, string | undefined>;
}

/**
 * The context of a unit whose stage is one for everyone (`Mutation.*`): no userId, no
 * cohort, no role, so nothing about the caller can change the stage.
 */
export const EVERYONE: StageContext = Object.freeze({ properties: Object.freeze({}) });

/** True when `context` says nothing about a user: its stage is the one for everyone. */
export function isEveryone(context: StageContext): boolean {
  return (
    Object.entries(context).every(([field, value]) => field === 'properties' || value === undefined) &&
    Object.values(context.properties).every((value) => value === undefined)
  );
}

/**
 * Why a unit got its stage; anything but `variant` and `off` fails closed to legacy and
 * is reported, except that the request router refuses a `Mutation.*` unit on
 * `not-synchronized`, `error` and `not-a-stage` (requestRouter.ts).
 */
export type StageReason = 'variant' | 'off' | 'not-synchronized' | 'unknown-flag' | 'not-a-stage' | 'error';

/** A unit's stage for one user, and why. */
export interface StageDecision {
  stage: Stage;
  reason: StageReason;
}

/** Where stages come from: Unleash, online or from a local file. */
export interface StageSource {
  /** The stage of `flag` in `context`. Never throws: anything unexpected is `legacy`. */
  decide(flag: string, context: StageContext): StageDecision;
  /**
   * Resolves at the source's next reload of its flags, with what came of it:
   * `applied`, or `rejected` when the new flags were malformed and the previous ones
   * stay in effect. Only sources that reload a local flags file have it.
   */
  nextReload?(): Promise<ReloadOutcome>;
  /**
   * The flags as the source evaluates them now, in Unleash's client format (segments
   * resolved into the strategies), or null before it has any. Never throws.
   */
  features?(): unknown[] | null;
  close(): Promise<void>;
}

/** What a reload of a flags file came to. */
export type ReloadOutcome = 'applied' | 'rejected';

/** The subset of unleash-client a stage source uses. */
export interface VariantClient {
  getFeatureToggleDefinition(name: string): unknown;
  getVariant(
    name: string,
    context: StageContext,
  ): { name: string; enabled?: boolean; feature_enabled?: boolean };
}

/**
 * Decides a stage with an Unleash client: the variant of the first matching strategy
 * names the stage; a disabled flag or no match is `legacy`. A context with no user in
 * it ({@link EVERYONE}) gets the stage for everyone: strategies that select users are
 * ignored ({@link stageForEveryone}). Fails closed to `legacy` when the client is not
 * synchronized, the flag is unknown, the variant is not a stage, or evaluation throws.
 */
export function decideStage(
  client: VariantClient | null,
  flag: string,
  context: StageContext,
): StageDecision {
  if (client === null) return { stage: 'legacy', reason: 'not-synchronized' };
  try {
    const definition = client.getFeatureToggleDefinition(flag);
    if (definition === undefined) return { stage: 'legacy', reason: 'unknown-flag' };
    if (isEveryone(context)) {
      const feature = asEveryoneFeature(definition);
      if (feature === null) return { stage: 'legacy', reason: 'error' };
      const { stage, reason } = stageForEveryone(feature);
      return { stage, reason };
    }
    const variant = client.getVariant(flag, context);
    if (variant.enabled !== true) return { stage: 'legacy', reason: 'off' };
    return isStage(variant.name)
      ? { stage: variant.name, reason: 'variant' }
      : { stage: 'legacy', reason: 'not-a-stage' };
  } catch {
    return { stage: 'legacy', reason: 'error' };
  }
}
