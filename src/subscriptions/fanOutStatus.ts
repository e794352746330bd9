import type { Logger } from '../core/logger.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';

/** Whether changes cross instances right now: both connections up and the channel subscribed. */
export type FanOutState = 'connected' | 'disconnected';

/** The parts the fan-out needs up: the publisher's connection and the subscriber's subscription. */
export type FanOutPart = 'publisher' | 'subscription';

/**
 * The fan-out's state, derived from its parts, kept in `subscriptionFanOut` (1 while
 * connected) and logged when it changes (a warning when it goes down).
 */
export interface FanOutStatus {
  readonly state: FanOutState;
  /** Whether {@link FanOutStatus.close} was called: nothing is logged after it. */
  readonly closed: boolean;
  /** Records that a part came up or went down. */
  set(part: FanOutPart, up: boolean): void;
  /** Resolves the first time the fan-out is connected. */
  readonly connected: Promise<void>;
  /** Marks the fan-out closed: disconnected for good, silently. */
  close(): void;
}

/** Options of {@link createFanOutStatus}. */
export interface FanOutStatusOptions {
  metrics: Pick<GatewayMetrics, 'subscriptionFanOut'>;
  logger: Logger;
  /** Fields every line carries (where Redis is, the channel). */
  fields: Record<string, unknown>;
}

/** Creates a {@link FanOutStatus}, disconnected, with the gauge at 0. */
export function createFanOutStatus(options: FanOutStatusOptions): FanOutStatus {
  const { metrics, logger, fields } = options;
  const up: Record<FanOutPart, boolean> = { publisher: false, subscription: false };
  let state: FanOutState = 'disconnected';
  let closed = false;
  let markConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    markConnected = resolve;
  });
  metrics.subscriptionFanOut.set(0);

  const update = () => {
    const next: FanOutState = up.publisher && up.subscription && !closed ? 'connected' : 'disconnected';
    if (next === state) return;
    state = next;
    metrics.subscriptionFanOut.set(next === 'connected' ? 1 : 0);
    if (closed) return;
    if (next === 'connected') {
      logger.info(fields, 'change bus: Redis fan-out connected');
      markConnected();
    } else {
      logger.warn(
        fields,
        'change bus: Redis fan-out down; changes published here reach this instance only until it is back',
      );
    }
  };

  return {
    get state() {
      return state;
    },
    get closed() {
      return closed;
    },
    connected,
    set(part, value) {
      up[part] = value;
      update();
    },
    close() {
      closed = true;
      update();
    },
  };
}
