import { type ExecutionResult, GraphQLError } from 'graphql';
import { isUuid } from '../backends/connectStore.ts';
import { readSide, type Stage } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { EventStores, LegacyFeed, TargetFeed } from './eventFacts.ts';
import type { SubscriptionRequest } from './subscriptionTypes.ts';

/** An operation's errors, with the code the client sees in `extensions.code`. */
export function refusal(code: ErrorCode, message: string): ExecutionResult {
  return { errors: [new GraphQLError(message, { originalError: new FigwayError(code, message) })] };
}

/** Why the target's events do not reach this gateway, or null when they do. */
function untoldTarget(feed: TargetFeed): string | null {
  switch (feed) {
    case 'told':
      return null;
    case 'qldbDriver':
      return "The ledger's events need the in-process ledger (LEDGER_DATABASE_URL): this gateway reaches the ledger through the QLDB driver, which tells no changes.";
    case 'servicesWithoutRedis':
      return "The ledger's events need REDIS_URL: this gateway writes through the ledger service, whose changes reach gateways only over Redis. Set the same REDIS_URL on the gateway and on figway service ledger.";
  }
}

/** Why legacy's events do not reach this gateway, or null when they do. */
function untoldLegacy(feed: LegacyFeed): string | null {
  switch (feed) {
    case 'told':
      return null;
    case 'workersWithoutRedis':
      return "Legacy's events need REDIS_URL: this gateway leaves the mirror's appliers to figway sync workers, whose changes reach gateways only over Redis. Set the same REDIS_URL on the gateway and on figway sync.";
    case 'noTargets':
      return "Legacy's events come from the mirror's change capture, which runs only with targets: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.";
    case 'noCapture':
      return "Legacy's events need change capture, which is not installed on the legacy database: run figway legacy setup, then restart figway.";
    case 'noDirectConnection':
      return "Legacy's events need a direct connection to the legacy database (SUPABASE_DB_URL): this gateway reaches it through PostgREST.";
  }
}

/**
 * Why a subscription cannot be opened, or null when it can: legacy's events without a
 * direct legacy connection (over PostgREST they cannot be checked) or where no process
 * tells them to this gateway (no appliers here and no REDIS_URL, no targets, no
 * capture), the target's events
 * without its change feed (the ledger reached through the QLDB driver, or through the
 * ledger service without REDIS_URL), nobody signed in, a
 * `myCommitmentActivity` without a user, or a `commitmentChanged` of an id that is not
 * a UUID or of a commitment the subscriber cannot see now on the side `stage` reads,
 * read as the subscriber (the same answer whether it exists or not).
 */
export async function refuseSubscription(
  request: SubscriptionRequest,
  stage: Stage,
  stores: EventStores,
): Promise<ExecutionResult | null> {
  const { viewer } = request;
  if (readSide(stage) === 'legacy' && stores.legacyAsService === false)
    return refusal(
      ErrorCode.BACKEND_UNAVAILABLE,
      "Legacy's events need a direct connection to the legacy database (SUPABASE_DB_URL): this gateway reaches it through PostgREST.",
    );
  const untold =
    readSide(stage) === 'target'
      ? untoldTarget(stores.targetFeed ?? 'told')
      : untoldLegacy(stores.legacyFeed ?? 'told');
  if (untold !== null) return refusal(ErrorCode.BACKEND_UNAVAILABLE, untold);
  if (viewer.kind === 'anonymous')
    return refusal(ErrorCode.UNAUTHENTICATED, 'Sign in to subscribe: send connectionParams.authorization.');
  if (request.field === 'myCommitmentActivity') {
    return viewer.id === null
      ? refusal(ErrorCode.BAD_USER_INPUT, 'myCommitmentActivity needs a token with a user (sub).')
      : null;
  }
  const id = String(request.args.id);
  if (!isUuid(id)) return refusal(ErrorCode.BAD_USER_INPUT, `Commitment id ${id} is not a UUID.`);
  const store = stores[readSide(stage)] ?? stores.legacy;
  const [visible] = await store.commitmentsByIds(viewer, [id]);
  return visible === undefined
    ? refusal(ErrorCode.NOT_FOUND, `Commitment ${id} does not exist or you are not a party to it.`)
    : null;
}
