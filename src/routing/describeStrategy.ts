import {
  constraintValues,
  describeConstraint,
  type FlagConstraint,
  isKnownOperator,
} from './describeConstraint.ts';
import { describeVariants, type ServedVariant } from './describeVariants.ts';
import type { FlagFeature, FlagStrategy } from './flagFiles.ts';

/**
 * Whose observations show whether a line's users may be where it puts them (for
 * `figway flags check`): the cohorts a `cohort` IN constraint names, the users a
 * `userId` IN constraint or a userWithId strategy names, the whole unit for any other
 * selection (a percentage, other constraints, everyone), or nobody for a strategy
 * that never matches.
 */
export type LineScope =
  | { kind: 'cohorts'; cohorts: string[] }
  | { kind: 'users'; userIds: string[] }
  | { kind: 'unit' }
  | { kind: 'nobody' };

/** One line of `figway flags list`: who, at which stage, and the same in parts. */
export interface StageLine {
  who: string;
  stage: string;
  /** Why the line is not in effect: a `Mutation.*` unit ignores rules that select users. */
  ignored?: string;
  /** The variants served to whom the line selects (none: `legacy`). */
  served: ServedVariant[];
  scope: LineScope;
}

/** A strategy described, and whether it matches every request (so the ones after it are never reached). */
export interface DescribedStrategy {
  line: StageLine;
  matchesEveryone: boolean;
}

/** A segment's constraints, by id, from the definitions' `segments`. */
export type SegmentLookup = ReadonlyMap<number, { name: string; constraints: FlagConstraint[] }>;

/** What a strategy's own algorithm selects, before its constraints. */
interface Selection {
  /** Words for it; null for everyone. */
  text: string | null;
  matches: 'everyone' | 'some' | 'nobody';
  userIds?: string[];
  /** The context field a request must have to match (a stickiness other than default or random). */
  needs?: string;
  /** A percentage of whom the constraints select, and how it is drawn. */
  share?: { percent: number; how: string };
}

const NOBODY = 'matches no one';

// unleash-client reads percentages with Number(): a missing one is NaN and never matches.
const percentOf = (text: string | undefined) => Number(text);

// unleash-client's flexibleRollout: the percentage of the stickiness value's hash bucket
// (seeded with groupId, or "" without one: figway sends no flag name in the context).
function rolloutSelection(strategy: FlagStrategy, flag: string): Selection {
  const raw = strategy.parameters.rollout;
  const percent = percentOf(raw);
  const stickiness = strategy.parameters.stickiness || 'default';
  const groupId = strategy.parameters.groupId ?? '';
  if (!(percent > 0)) return { text: `rollout ${raw ?? '(none)'}%: ${NOBODY}`, matches: 'nobody' };
  if (stickiness === 'sessionId' || stickiness === 'remoteAddress')
    return { text: `sticky on ${stickiness}, which figway never sends: ${NOBODY}`, matches: 'nobody' };
  const group = groupId === flag ? '' : `group ${groupId === '' ? '(none)' : groupId}`;
  if (percent < 100)
    return {
      text: null,
      matches: 'some',
      share: { percent, how: `stickiness ${stickiness}${group === '' ? '' : `, ${group}`}` },
    };
  // At 100% the stickiness only matters when a request may lack its field.
  if (stickiness === 'default' || stickiness === 'random') return { text: null, matches: 'everyone' };
  return { text: null, matches: 'some', needs: stickiness };
}

function userIdsOf(strategy: FlagStrategy): string[] {
  return (strategy.parameters.userIds ?? '').split(/\s*,\s*/).filter(Boolean);
}

// One case per strategy unleash-client knows; any other never matches there.
function selectionOf(strategy: FlagStrategy, flag: string, userNames: (id: string) => string): Selection {
  const { parameters } = strategy;
  switch (strategy.name) {
    case 'default':
      return { text: null, matches: 'everyone' };
    case 'flexibleRollout':
      return rolloutSelection(strategy, flag);
    case 'userWithId': {
      const userIds = userIdsOf(strategy);
      return {
        text: `users ${userIds.map(userNames).join(', ')}`,
        matches: userIds.length > 0 ? 'some' : 'nobody',
        userIds,
      };
    }
    case 'gradualRolloutUserId': {
      const percent = percentOf(parameters.percentage);
      return percent > 0
        ? {
            text: null,
            matches: 'some',
            share: { percent, how: `gradualRolloutUserId, group ${parameters.groupId || '(none)'}` },
          }
        : { text: `percentage ${parameters.percentage ?? '(none)'}: ${NOBODY}`, matches: 'nobody' };
    }
    case 'gradualRolloutRandom': {
      const percent = percentOf(parameters.percentage);
      if (percent >= 100) return { text: null, matches: 'everyone' };
      return percent >= 1
        ? { text: `${percent}% of requests, drawn anew each request`, matches: 'some' }
        : { text: `percentage ${parameters.percentage ?? '(none)'}: ${NOBODY}`, matches: 'nobody' };
    }
    case 'gradualRolloutSessionId':
      return {
        text: `gradualRolloutSessionId, on sessionId, which figway never sends: ${NOBODY}`,
        matches: 'nobody',
      };
    case 'remoteAddress':
      return {
        text: `remoteAddress ${parameters.IPs ?? ''}, which figway never sends: ${NOBODY}`,
        matches: 'nobody',
      };
    case 'applicationHostname':
      return { text: `gateways on hosts ${parameters.hostNames ?? '(none)'}`, matches: 'some' };
    default: {
      const shown = Object.entries(parameters).map(([key, value]) => `${key}=${value}`);
      const params = shown.length > 0 ? ` (${shown.join(', ')})` : '';
      return {
        text: `custom strategy: ${strategy.name}${params}, which figway's Unleash client cannot evaluate: ${NOBODY}`,
        matches: 'nobody',
      };
    }
  }
}

function segmentIdsOf(strategy: FlagStrategy): unknown[] {
  const segments = (strategy as { segments?: unknown }).segments;
  return Array.isArray(segments) ? segments : [];
}

function wholeSegment(value: unknown): { name: string; constraints: FlagConstraint[] } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, name, constraints } = value as { id?: unknown; name?: unknown; constraints?: unknown };
  if (!Array.isArray(constraints)) return undefined;
  return { name: typeof name === 'string' ? name : String(id), constraints: constraints as FlagConstraint[] };
}

// A strategy's segments add their constraints; one figway cannot find never matches, as in unleash-client.
function segmentParts(strategy: FlagStrategy, segments: SegmentLookup, userNames: (id: string) => string) {
  const parts: string[] = [];
  const constraints: FlagConstraint[] = [];
  let missing = false;
  for (const id of segmentIdsOf(strategy)) {
    // Ids as Unleash's client API sends them; whole segments as unleash-client hands them back.
    const segment = typeof id === 'number' ? segments.get(id) : wholeSegment(id);
    if (segment === undefined) {
      missing = true;
      parts.push(`segment ${JSON.stringify(id)}, which figway cannot find: ${NOBODY}`);
      continue;
    }
    constraints.push(...segment.constraints);
    const inside = segment.constraints.map((constraint) => describeConstraint(constraint, userNames));
    parts.push(`segment ${segment.name} (${inside.join(' and ') || 'no constraints'})`);
  }
  return { parts, constraints, missing };
}

const isPlainIn = (constraint: FlagConstraint, field: string) =>
  constraint.contextName === field && constraint.operator === 'IN' && constraint.inverted !== true;

function scopeOf(constraints: readonly FlagConstraint[], selection: Selection): LineScope {
  if (selection.matches === 'nobody') return { kind: 'nobody' };
  const plainIn = (field: string) => constraints.filter((c) => isPlainIn(c, field));
  const users = [...plainIn('userId').flatMap(constraintValues), ...(selection.userIds ?? [])];
  if (users.length > 0) return { kind: 'users', userIds: [...new Set(users)] };
  const cohorts = plainIn('cohort').flatMap(constraintValues);
  if (cohorts.length > 0) return { kind: 'cohorts', cohorts: [...new Set(cohorts)] };
  return { kind: 'unit' };
}

// A stickiness field a request must have is said, unless a cohort or userId rule implies a signed-in user.
function whoOf(conditions: readonly string[], constraints: readonly FlagConstraint[], selection: Selection) {
  const impliesUser = constraints.some((c) => isPlainIn(c, 'cohort') || isPlainIn(c, 'userId'));
  const needs =
    selection.needs === undefined || (selection.needs === 'userId' && impliesUser)
      ? null
      : selection.needs === 'userId'
        ? 'signed in'
        : `with a ${selection.needs}`;
  const base = conditions.join(' and ');
  const share =
    selection.share === undefined
      ? ''
      : `${selection.share.percent}% of ${base === '' ? 'users' : 'them'} (${selection.share.how})`;
  const who = [base, selection.text ?? '', share].filter((part) => part !== '').join(', ');
  if (needs === null) return who === '' ? 'everyone' : who;
  return who === '' ? `everyone ${needs}` : `${who}, ${needs}`;
}

/**
 * One strategy of `feature` as unleash-client evaluates it, in words: its constraints
 * (and its segments'), what its algorithm selects (a percentage with its stickiness and
 * group, named users, ...), and the variant(s) it serves with their weights. A strategy
 * that cannot match anyone in figway (a custom strategy, an operator or field figway's
 * client never has, a 0% rollout) says so and serves no one.
 */
export function describeStrategy(
  strategy: FlagStrategy,
  feature: FlagFeature,
  segments: SegmentLookup = new Map(),
  userNames: (id: string) => string = (id) => id,
): DescribedStrategy {
  const variants = describeVariants(strategy, feature);
  const selection = selectionOf(strategy, feature.name, userNames);
  const segment = segmentParts(strategy, segments, userNames);
  const constraints = [...strategy.constraints, ...segment.constraints];
  const unknownOperator = constraints.some((constraint) => !isKnownOperator(constraint.operator));
  const conditions = [
    ...strategy.constraints.map((constraint) => describeConstraint(constraint, userNames)),
    ...segment.parts,
  ];
  const who = whoOf(conditions, constraints, selection);
  if (selection.matches === 'nobody' || segment.missing || unknownOperator)
    return {
      line: { who, stage: 'none (matches no one)', served: [], scope: { kind: 'nobody' } },
      matchesEveryone: false,
    };
  return {
    line: { who, stage: variants.stage, served: variants.served, scope: scopeOf(constraints, selection) },
    matchesEveryone: conditions.length === 0 && selection.matches === 'everyone',
  };
}
