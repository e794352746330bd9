import type { ExecutionResult } from 'graphql';
import type { EventReads } from '../backends/connectLoaders.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { ChangeListener, CommitmentChange } from '../core/changeEvents.ts';
import type { Logger } from '../core/logger.ts';
import type { Side, Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import type { RequestFacts } from '../shadow/shadowRunner.ts';
import type { EventStores } from './eventFacts.ts';

/** One subscription a client opened over graphql-ws, as the gateway hands it to the hub. */
export interface SubscriptionRequest {
  /** The socket: every subscription on it shares one bounded queue. */
  socket: object;
  viewer: Viewer;
  /** The root field and its coerced arguments. */
  field: string;
  args: Record<string, unknown>;
  /** What observations of this subscription record: operation, document, variables, client. */
  facts: RequestFacts;
  /**
   * Runs the operation over one event's payload (`{ [field]: payload }`) with the
   * event's shared reads; with `side`, every unit reads that side (a shadowed
   * subscription's candidate), otherwise each unit routes by its stage as in a query.
   */
  execute(root: Record<string, unknown>, reads: EventReads, side?: Side): Promise<ExecutionResult>;
  /** Closes the socket because it fell too far behind; called at most once. */
  cutOff(queued: number): void;
}

/** What the hub tells a comparison about one event of a shadowed subscription. */
export interface ComparedEvent {
  /** Pairs the two sides' events: the commitment (and the activity) the event is about. */
  key: string;
  change: CommitmentChange;
  result: ExecutionResult;
}

/** The comparison of one shadowed subscription's two event streams. */
export interface SubscriptionComparison {
  control(stage: Stage, event: ComparedEvent): void;
  candidate(stage: Stage, event: ComparedEvent): void;
  /** A control event that was not sent after all: its candidate is paired with it, not judged. */
  withdraw(stage: Stage, event: ComparedEvent): void;
  /** The subscription ended: events still waiting for their pair are not judged. */
  close(): void;
}

/** Decides, per subscription, whether its streams are compared (the unit's sample rate), and compares them. */
export interface SubscriptionShadow {
  /** A comparison for the subscription, or null when it is not sampled. */
  forSubscription(unit: string, facts: RequestFacts): SubscriptionComparison | null;
}

/** Options of `createSubscriptionHub`. */
export interface SubscriptionHubOptions {
  /** Where changes are heard: the change bus. */
  bus: { subscribe(listener: ChangeListener): () => void };
  stores: EventStores;
  /** The unit's stage for the viewer, read when a subscription opens. */
  stageOf(viewer: Viewer, unit: string): Stage;
  /** Events queued per socket before the subscriber is cut off as too slow. */
  queueLimit: number;
  /**
   * Subscriptions open at once per socket: each holds memory and costs reads on every
   * change it may care about, so one more is refused, alone, with BAD_REQUEST. @default 100
   */
  socketLimit?: number;
  /** How long a batch's reads may take before its events are given up. @default 10000 */
  timeoutMs?: number;
  /** Compares the two sides' event streams of subscriptions in shadow and live stages. */
  shadow?: SubscriptionShadow;
  metrics: Pick<
    GatewayMetrics,
    | 'subscriptionsActive'
    | 'subscriptionDeliveries'
    | 'subscriptionLatency'
    | 'subscriptionEventsLost'
    | 'subscriptionSocketsClosed'
  >;
  logger: Logger;
}

/** Serves the subscriptions of one gateway instance from the change feed. */
export interface SubscriptionHub {
  /** Opens a subscription: its event stream, or the errors that refused it. */
  open(request: SubscriptionRequest): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
  /**
   * Completes every subscription (graphql-ws sends `complete`) once its queued events
   * are sent, waiting at most `timeoutMs` before dropping what a stuck socket holds;
   * subscriptions asked for from then on are refused.
   */
  completeAll(timeoutMs?: number): Promise<void>;
  /** Subscriptions open now. */
  readonly active: number;
  /** Stops hearing the bus. */
  close(): void;
}
