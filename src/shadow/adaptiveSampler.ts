import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';

/** Why a sample the configured rate would have taken was not taken. */
export type SkipReason = 'throttled' | 'backlog' | 'queue_full';

/** Options of {@link createAdaptiveSampler}. */
export interface AdaptiveSamplerOptions {
  /** Comparisons waiting after their response went out; at this many the sampler slows down. */
  maxBacklog: number;
  /** Waiting comparisons now (sent but not yet judged and recorded). */
  backlog: () => number;
  /** The observation writer's queue in use, 0 to 1; from half full on the sampler slows down. */
  writerPressure: () => number;
  metrics: Pick<GatewayMetrics, 'shadowSkipped' | 'shadowSampleRate'>;
  /** Milliseconds, monotonic. @default performance.now */
  now?: () => number;
  /** How often the factors may move. @default 50 */
  adjustEveryMs?: number;
}

/** A unit's sampling state: the factor its configured rate is multiplied by, and its comparisons in progress. */
interface UnitState {
  factor: number;
  inProgress: number;
  configured: number;
  /** Draws at the configured rate since the last step: the comparisons the unit would run at factor 1. */
  draws: number;
}

/** Decides, per unit and request, whether a comparison runs, at a rate that falls as candidates back up. */
export interface AdaptiveSampler {
  /**
   * Decides for `unit` at its configured `rate`, with `drawn`, the request's uniform draw
   * in [0, 1): the effective rate (the probability this comparison had) when it is
   * sampled, else null. A draw the configured rate would have taken but the adaptive
   * factor did not is counted as skipped (`throttled`).
   */
  draw(unit: string, rate: number, drawn: number): number | null;
  /** Counts a drawn sample that could not start, with why. */
  skip(unit: string, reason: SkipReason): void;
  /** A drawn comparison started; {@link done} when it is recorded or abandoned. */
  started(unit: string): void;
  done(unit: string): void;
  /** The adaptive factor of a unit now (1 when it never backed up). */
  factorOf(unit: string): number;
}

/** The lowest factor: one comparison in a thousand still runs, so a unit never goes blind. */
export const MIN_FACTOR = 0.001;

/**
 * Creates the sampler. Every `adjustEveryMs` (checked lazily on each draw, no timer) it
 * looks at the backlog of comparisons waiting after their response and at the writer's
 * queue: when either is high, each unit with comparisons in progress lowers its factor to
 * what the comparisons ending could carry; when both are low, every factor grows back
 * toward 1. Because each draw's probability is known, the observations it keeps are
 * weighted by 1/rate and the report's rates and counts stay unbiased while the rate moves,
 * as long as no drawn sample is then skipped (a full queue, the backlog cap): those are
 * counted by reason, and the benchmark checks they stay at none.
 */
export function createAdaptiveSampler(options: AdaptiveSamplerOptions): AdaptiveSampler {
  const now = options.now ?? (() => performance.now());
  const adjustEveryMs = options.adjustEveryMs ?? 50;
  const units = new Map<string, UnitState>();
  let adjustedAt = now();
  // Comparisons that ended since the last step, and the backlog then.
  let ended = 0;
  let lastBacklog = 0;

  function stateOf(unit: string, rate = 1): UnitState {
    let state = units.get(unit);
    if (state === undefined) {
      state = { factor: 1, inProgress: 0, configured: rate, draws: 0 };
      units.set(unit, state);
      options.metrics.shadowSampleRate.set({ unit }, rate);
    }
    return state;
  }

  // Load 1 is the backlog at maxBacklog or the writer's queue half full. Overloaded,
  // the factor of each unit with comparisons in progress drops to what the comparisons
  // that ended in the last step could carry (nine tenths of them, spread over the draws),
  // and falls a fifth further while the backlog does not shrink. Below half load,
  // factors grow back by a fifth a step.
  function adjust() {
    const at = now();
    if (at - adjustedAt < adjustEveryMs) return;
    adjustedAt = at;
    const backlog = options.backlog();
    const load = Math.max(backlog / options.maxBacklog, options.writerPressure() / 0.5);
    const draws = [...units.values()].reduce((sum, state) => sum + state.draws, 0);
    const carried = draws === 0 ? 1 : (0.9 * ended) / draws;
    const shrinking = backlog < lastBacklog;
    for (const [unit, state] of units) {
      const before = state.factor;
      if (load >= 1 && state.inProgress > 0) {
        // With nothing ended in the step there is no measure of what could be carried: halve.
        state.factor = Math.min(before, Math.max(carried, before * (ended === 0 ? 0.5 : 0.05)));
        if (!shrinking) state.factor *= 0.8;
        state.factor = Math.max(MIN_FACTOR, state.factor);
      } else if (load < 0.5) state.factor = Math.min(1, before * 1.2 + 0.005);
      state.draws = 0;
      if (state.factor !== before)
        options.metrics.shadowSampleRate.set({ unit }, state.configured * state.factor);
    }
    ended = 0;
    lastBacklog = backlog;
  }

  return {
    draw(unit, rate, drawn) {
      if (rate <= 0) return null;
      adjust();
      const state = stateOf(unit, rate);
      if (state.configured !== rate) {
        state.configured = rate;
        options.metrics.shadowSampleRate.set({ unit }, rate * state.factor);
      }
      const effective = rate * state.factor;
      if (drawn < rate) state.draws += 1;
      if (drawn < effective) return effective;
      if (drawn < rate) options.metrics.shadowSkipped.inc({ unit, reason: 'throttled' });
      return null;
    },
    skip(unit, reason) {
      options.metrics.shadowSkipped.inc({ unit, reason });
    },
    started(unit) {
      stateOf(unit).inProgress += 1;
    },
    done(unit) {
      const state = stateOf(unit);
      state.inProgress = Math.max(0, state.inProgress - 1);
      ended += 1;
    },
    factorOf(unit) {
      return units.get(unit)?.factor ?? 1;
    },
  };
}
