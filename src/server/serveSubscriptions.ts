import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Viewer } from '../backends/viewer.ts';
import type { Logger } from '../core/logger.ts';
import type { Side, Stage } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { Routing } from '../routing/createRouting.ts';
import type { RequestFacts } from '../shadow/shadowRunner.ts';
import { type RootField, rootFieldOf } from '../subscriptions/rootField.ts';
import type { SubscriptionHub } from '../subscriptions/subscriptionHub.ts';
import { executeWithinBudget } from './executeWithinBudget.ts';
import type { AppContext, GatewayApp } from './gatewayApp.ts';

/** How a socket is closed when its subscriber falls too far behind (a code in the range applications use). */
export const SLOW_CONSUMER = {
  code: 4008,
  reason: 'too slow: more events queued than FIGWAY_SUBSCRIPTION_QUEUE',
} as const;

/** The part of a WebSocket the hub needs: closing it. */
interface Closable {
  close(code: number, reason: string): void;
}

/** What graphql-ws's `subscribe` needs to open a subscription: who asks and on which socket. */
export interface SubscriptionOrigin {
  socket: Closable;
  facts: RequestFacts;
}

/** Options of {@link subscriptionOperations}. */
export interface SubscriptionOperationsOptions<C extends AppContext> {
  hub: SubscriptionHub | undefined;
  app: GatewayApp<C>;
  routing: Routing;
  /** Each event's time budget for backend work, as a query over the socket has. */
  timeoutMs: number;
  logger: Logger;
}

function stagesOfEveryUnit(routing: Routing, stage: Stage): ReadonlyMap<string, Stage> {
  return new Map([...routing.catalogue.keys()].map((unit) => [unit, stage]));
}

/**
 * The answer of a subscription that could not be opened (a database that failed while its
 * access was checked, a bug): the operation's own error, never a throw, which graphql-ws
 * answers by closing the socket and every other operation on it with 4500. The error has
 * the root field's path, so the formatter sees what was thrown: a catalogue error passes
 * with its code (its unexpected cause logged), anything else is logged and masked, as a
 * query's resolver error is.
 */
function openFailed(error: unknown, field: string | undefined, logger: Logger): ExecutionResult {
  const thrown = error instanceof Error ? error : new Error(String(error));
  if (thrown instanceof FigwayError) {
    logger.warn(
      { err: thrown, code: thrown.code, field },
      `a subscription could not be opened: ${thrown.message}`,
    );
  }
  return {
    errors: [new GraphQLError(thrown.message, { originalError: thrown, path: [field ?? 'subscription'] })],
  };
}

function refused(message: string): ExecutionResult {
  return {
    errors: [
      new GraphQLError(message, {
        originalError: new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, message, { backend: 'subscriptions' }),
      }),
    ],
  };
}

/**
 * graphql-ws's `subscribe` for the gateway: opens each subscription operation on the
 * hub, which runs the operation once per event with a context of the subscriber's own
 * (its router decides each field's side, as in a query) over the event's shared reads.
 * `remember` ties an operation's context to its socket, from graphql-ws's `context` hook.
 */
export function subscriptionOperations<C extends AppContext>(options: SubscriptionOperationsOptions<C>) {
  const origins = new WeakMap<object, SubscriptionOrigin>();
  // A shadowed subscription's candidate payload reads the candidate side for every unit.
  const forced: Record<Side, ReadonlyMap<string, Stage>> = {
    legacy: stagesOfEveryUnit(options.routing, 'legacy'),
    target: stagesOfEveryUnit(options.routing, 'complete'),
  };
  const everyUnitOn = (side: Side) => forced[side];
  return {
    remember(context: C, origin: SubscriptionOrigin): C {
      origins.set(context, origin);
      return context;
    },
    async subscribe(args: ExecutionArgs) {
      let field: string | undefined;
      try {
        const root = rootFieldOf(args);
        if (root !== null && 'errors' in root) return { errors: root.errors };
        field = root?.name;
        return await open(args, root);
      } catch (error) {
        return openFailed(error, field, options.logger);
      }
    },
  };

  async function open(args: ExecutionArgs, root: RootField | null) {
    const { hub } = options;
    const context = args.contextValue as C;
    const origin = origins.get(context);
    if (hub === undefined || origin === undefined || root === null)
      return refused('Subscriptions are not served by this gateway: it was started without a change feed.');
    const viewer: Viewer = context.viewer;
    return hub.open({
      socket: origin.socket,
      viewer,
      field: root.name,
      args: root.args,
      facts: origin.facts,
      execute: (rootValue, reads, side) => {
        const router = options.routing.routerFor(viewer, side === undefined ? undefined : everyUnitOn(side));
        const contextValue = options.app.createContext(viewer, router, undefined, reads);
        return executeWithinBudget({ ...args, rootValue, contextValue }, options.timeoutMs);
      },
      cutOff: () => origin.socket.close(SLOW_CONSUMER.code, SLOW_CONSUMER.reason),
    });
  }
}

/**
 * Completes every subscription (graphql-ws `complete`), then closes the sockets
 * gracefully (1001). graphql-ws writes each `complete` in the microtasks that follow the
 * end of its stream, so by the next macrotask every one is written, ahead of the close
 * frame. Without a hub, nothing to complete: the sockets close with the HTTP drain.
 */
export async function completeSubscriptions(
  hub: SubscriptionHub | undefined,
  closeSockets: () => Promise<void>,
) {
  if (hub === undefined) return;
  await hub.completeAll();
  await new Promise((resolve) => setImmediate(resolve));
  await closeSockets();
}
