import type { GraphQLResolveInfo } from 'graphql';
import { mirrorSide, readSide, type Side, type Stage, shadowSide, writeSide } from '../core/stage.ts';
import { withWriteIntent } from '../core/writeIntent.ts';
import type { RequestShadow } from '../shadow/shadowRunner.ts';
import type { WriteMirror } from '../writes/writeMirror.ts';
import {
  afterCommitError,
  type CommittedWrite,
  committedWriteAt,
  recordCommittedWrite,
} from './committedWrite.ts';
import type { RequestRouter } from './requestRouter.ts';

/** The part of a request context `migrate` needs. */
export interface RoutedContext {
  router: RequestRouter;
  /** Where committed writes are mirrored; it records its own failures and never rejects. */
  mirror: WriteMirror;
  /** The request's shadow reads; absent when shadowing is off (e.g. over WebSocket). */
  shadow?: RequestShadow;
  /** A copy of the context with fresh per-request caches, for re-reads; required with `shadow`. */
  fresh?: () => RoutedContext;
}

/** A GraphQL field resolver. */
export type FieldResolver<C extends RoutedContext> = (
  parent: never,
  args: never,
  context: C,
  info: unknown,
) => unknown;

const UNIT = Symbol('figway.migrationUnit');

/** A resolver built by {@link migrate}, tagged with its unit. */
export type MigratedResolver<C extends RoutedContext> = FieldResolver<C> & { [UNIT]: string };

type Sides<C extends RoutedContext> = { legacy: FieldResolver<C>; target: FieldResolver<C> };

/**
 * Builds the resolver of a migration unit (`Type.field`): it asks the request's router
 * for the unit's stage for this user, runs the legacy or the target side (reads by
 * readSide, mutations by writeSide), and records the route. A failed target read
 * falls back to legacy only when the unit's policy says so; writes never fall back.
 * After an authoritative write, the write goes to the mirror in stages that mirror.
 * A field of a committed mutation's payload is not routed: it is read from the side
 * that committed the write, without a shadow read, and its failures say that the
 * write was saved (WRITE_COMMITTED).
 */
export function migrate<C extends RoutedContext>(unit: string, sides: Sides<C>): MigratedResolver<C> {
  const isWrite = unit.startsWith('Mutation.');
  // Not async: a read returns its side's own value or promise, with no promise of its own per field.
  const resolver = (parent: never, args: never, context: C, info: unknown) => {
    const committed = isWrite ? null : committedWriteAt(context, info);
    if (committed !== null) return payloadRead(committed, sides, parent, args, context, info);
    const stage = context.router.stageOf(unit);
    const side = isWrite ? writeSide(stage) : readSide(stage);
    context.router.record(unit, stage, side);
    if (isWrite) return write(unit, stage, side, sides, parent, args, context, info);
    const candidate = shadowSide(stage);
    if (candidate === null || context.shadow === undefined)
      return read(unit, side, sides, parent, args, context, info);
    return shadowRead(unit, stage, { control: side, candidate }, sides, parent, args, context, info);
  };
  return Object.assign(resolver, { [UNIT]: unit });
}

// The authoritative write; from its commit on, the request knows where the payload
// lives, and nothing that fails afterwards may claim that nothing was changed.
async function write<C extends RoutedContext>(
  unit: string,
  stage: Stage,
  side: Side,
  sides: Sides<C>,
  parent: never,
  args: never,
  context: C,
  info: unknown,
) {
  const to = mirrorSide(stage);
  // A target adapter reads the intent to commit the write's outbox row with it.
  const result = await withWriteIntent({ unit, stage, mirrorTo: to }, () =>
    sides[side](parent, args, context, info),
  );
  const committed: CommittedWrite = { unit, side };
  recordCommittedWrite(context, info, committed);
  if (to === null) return result;
  try {
    await context.mirror.mirror({ unit, stage, to, args, result });
  } catch (error) {
    // The mirror breaks its contract (it records its own failures): say so, but truthfully.
    throw afterCommitError(committed, error);
  }
  return result;
}

// A field of a committed mutation's payload: the committed side answers, whatever the
// field's own stage, so the answer shows the write (e.g. the new status) and never
// fails on a side the write did not touch.
async function payloadRead<C extends RoutedContext>(
  committed: CommittedWrite,
  sides: Sides<C>,
  parent: never,
  args: never,
  context: C,
  info: unknown,
) {
  try {
    return await sides[committed.side](parent, args, context, info);
  } catch (error) {
    throw afterCommitError(committed, error);
  }
}

// A read on its side; a failed target read falls back to legacy only under the unit's policy.
function read<C extends RoutedContext>(
  unit: string,
  side: Side,
  sides: Sides<C>,
  parent: never,
  args: never,
  context: C,
  info: unknown,
) {
  if (side === 'legacy') return sides.legacy(parent, args, context, info);
  return readTarget(unit, sides, parent, args, context, info);
}

async function readTarget<C extends RoutedContext>(
  unit: string,
  sides: Sides<C>,
  parent: never,
  args: never,
  context: C,
  info: unknown,
) {
  try {
    return await sides.target(parent, args, context, info);
  } catch (error) {
    if (!context.router.fallsBackToLegacy(unit)) throw error;
    context.router.recordFallback(unit, error);
    return sides.legacy(parent, args, context, info);
  }
}

// Re-reads (noise checks, lag rechecks) of one request share a fresh context per
// round, so a round's re-reads of every list item batch as the first reads did.
const rounds = new WeakMap<RoutedContext, Map<number, RoutedContext>>();

function contextOfRound<C extends RoutedContext>(context: C, round: number): C {
  if (round === 0 || context.fresh === undefined) return context;
  let fresh = rounds.get(context);
  if (fresh === undefined) {
    fresh = new Map();
    rounds.set(context, fresh);
  }
  let again = fresh.get(round);
  if (again === undefined) {
    again = context.fresh();
    fresh.set(round, again);
  }
  return again as C;
}

// The id of the object a field is read on (a commitment for Commitment.status), which
// names the list item in a comparison's diffs; null for root fields and objects without one.
function idOf(parent: unknown): string | null {
  if (typeof parent !== 'object' || parent === null) return null;
  const id = (parent as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

// In shadow and live stages the other side is read in the background and compared.
// The comparison gets each side's own read: a target that fails is compared as a
// failure, even where the unit's policy then answers the client from legacy.
function shadowRead<C extends RoutedContext>(
  unit: string,
  stage: Stage,
  roles: { control: Side; candidate: Side },
  sides: Sides<C>,
  parent: never,
  args: never,
  context: C,
  info: unknown,
) {
  const on = (side: Side) => ({
    side,
    read: (round: number) =>
      sides[side](parent, args, contextOfRound(context, round), info) as Promise<unknown>,
  });
  // The runner turns a throw or a plain value into a promise (startRead).
  const served = (context.shadow as RequestShadow).run(unit, stage, on(roles.control), on(roles.candidate), {
    info: info as GraphQLResolveInfo,
    id: idOf(parent),
  });
  if (roles.control === 'legacy' || !context.router.fallsBackToLegacy(unit)) return served;
  return served.catch((error: unknown) => {
    context.router.recordFallback(unit, error);
    return sides.legacy(parent, args, context, info);
  });
}

/** The resolvers of a root subscription field that is a migration unit. */
export interface MigratedSubscription {
  /** Refuses: figway's subscription hub, not graphql-js, opens the event stream (src/subscriptions). */
  subscribe(): never;
  /** The field's value in one event: the payload the hub put under the field's name. */
  resolve: ((event: unknown) => unknown) & { [UNIT]: string };
}

/**
 * Builds the resolvers of a root subscription field that is a migration unit
 * (`Subscription.commitmentChanged`): the unit's stage for the subscriber picks the
 * side whose change feed tells each event (the hub reads it per event), and the
 * payload's own fields are resolved through their units as in a query.
 */
export function migrateSubscription(unit: string): MigratedSubscription {
  const field = unit.slice(unit.indexOf('.') + 1);
  return {
    subscribe() {
      throw new Error(`${unit} is served by figway's subscription hub over graphql-ws, not by graphql-js.`);
    },
    resolve: Object.assign((event: unknown) => (event as Record<string, unknown>)[field], { [UNIT]: unit }),
  };
}

function unitOf(resolver: unknown): string | null {
  if (typeof resolver === 'function' && UNIT in resolver)
    return String((resolver as MigratedResolver<RoutedContext>)[UNIT]);
  if (typeof resolver === 'object' && resolver !== null && 'resolve' in resolver)
    return unitOf(resolver.resolve);
  return null;
}

/** Every migration unit in a resolver map, found by the tag `migrate` (or `migrateSubscription`) puts on its resolvers. */
export function migratedUnits(resolvers: Record<string, unknown>): string[] {
  const units: string[] = [];
  for (const fields of Object.values(resolvers)) {
    if (typeof fields !== 'object' || fields === null) continue;
    for (const resolver of Object.values(fields)) {
      const unit = unitOf(resolver);
      if (unit !== null) units.push(unit);
    }
  }
  return units.sort();
}
