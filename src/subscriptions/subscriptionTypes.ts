import type { ExecutionResult } from 'graphql';
import type { EventReads } from '../backends/connectLoaders.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { CommitmentChange } from '../core/changeEvents.ts';
import type { Side, Stage } from '../core/stage.ts';
import type { RequestFacts } from '../shadow/shadowRunner.ts';

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
  /** The subscription ended: events still waiting for their pair are not judged. */
  close(): void;
}

/** Decides, per subscription, whether its streams are compared (the unit's sample rate), and compares them. */
export interface SubscriptionShadow {
  /** A comparison for the subscription, or null when it is not sampled. */
  forSubscription(unit: string, facts: RequestFacts): SubscriptionComparison | null;
}
