import type { ExecutionResult } from 'graphql';
import { type CatalogueEntry, DEFAULT_SHADOW, type ShadowSettings } from '../core/catalogue.ts';
import type { Observation, PathDiff } from '../core/observation.ts';
import { readSide, type Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { buildObservation } from '../shadow/buildObservation.ts';
import { compareValues } from '../shadow/compareValues.ts';
import type { ObservationWriter } from '../shadow/observationWriter.ts';
import { createInternalErrorReporter, type OnInternalError } from '../shadow/reportInternalError.ts';
import type { RequestFacts } from '../shadow/shadowRunner.ts';
import type { ComparedEvent, SubscriptionComparison, SubscriptionShadow } from './subscriptionTypes.ts';

/** Options of {@link createSubscriptionShadow}. */
export interface SubscriptionShadowOptions {
  catalogue: ReadonlyMap<string, CatalogueEntry>;
  writer: ObservationWriter;
  metrics: Pick<GatewayMetrics, 'observations' | 'shadowInternalErrors'>;
  /** Keys the user-id and redaction hashes, as for shadow reads. */
  salt: string;
  /** Hears failures inside the comparison; @default counts them on figway_shadow_internal_errors_total. */
  onInternalError?: OnInternalError;
  random?: () => number;
  clock?: () => number;
}

interface Waiting {
  stage: Stage;
  event: ComparedEvent;
  /** Commit-to-arrival delay of the event, in milliseconds. */
  lagMs: number;
  timer: NodeJS.Timeout;
  /** A control event that was not sent (the subscriber lost the right to see it): paired, never judged. */
  withdrawn?: true;
}

type Role = 'control' | 'candidate';

function errorText(result: ExecutionResult): string | null {
  return result.errors === undefined || result.errors.length === 0
    ? null
    : result.errors.map((error) => error.message).join('; ');
}

/**
 * Compares the two sides' event streams of sampled subscriptions in `shadow` and
 * `live`: each event the subscriber receives (the control's) is paired with the
 * candidate side's event about the same commitment and activity, if it comes within
 * the unit's `lagWindowMs`; the two payloads, executed with the subscriber's own
 * selection, are compared as a shadow read's answers are. A pair, an event the other
 * side never told, and an event only the candidate told are each one observation of
 * the subscription's unit. Events still waiting when the subscription ends are not judged.
 */
export function createSubscriptionShadow(options: SubscriptionShadowOptions): SubscriptionShadow {
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const raise = options.onInternalError ?? createInternalErrorReporter({ metrics: options.metrics });

  function record(
    facts: RequestFacts,
    unit: string,
    stage: Stage,
    rest: Partial<Observation> & Pick<Observation, 'outcome'>,
    redact: string[],
  ) {
    try {
      const observation = buildObservation({
        facts,
        base: { unit, stage, control: readSide(stage), operationName: facts.operationName },
        // One event of a subscription sampled at the unit's configured rate.
        rest: { sampleRate: options.catalogue.get(unit)?.shadow.sampleRate ?? 1, items: 1, ...rest },
        redact,
        salt: options.salt,
        at: new Date(clock()).toISOString(),
        raised: (step, error) => raise(step, error, unit),
      });
      options.metrics.observations.inc({ unit, stage, outcome: observation.outcome });
      options.writer.record(observation);
    } catch (error) {
      raise('observe', error, unit);
    }
  }

  function forSubscription(unit: string, facts: RequestFacts): SubscriptionComparison | null {
    const settings: ShadowSettings = options.catalogue.get(unit)?.shadow ?? DEFAULT_SHADOW;
    if (settings.sampleRate <= 0 || random() >= settings.sampleRate) return null;
    const field = unit.slice(unit.indexOf('.') + 1);
    // An activity's `at` is each side's own commit time: it always differs, by the mirror's lag.
    const rulesAt = (key: string) => ({ ...settings, ignore: [...settings.ignore, `${key}.at`] });
    const waiting: Record<Role, Map<string, Waiting[]>> = { control: new Map(), candidate: new Map() };
    const missing = (role: Role, key: string) =>
      role === 'control' ? `an event for ${key}` : `no event within ${settings.lagWindowMs} ms`;

    function judgePair(stage: Stage, control: Waiting, candidate: Waiting) {
      const controlError = errorText(control.event.result);
      const candidateError = errorText(candidate.event.result);
      const timing = { controlMs: control.lagMs, candidateMs: candidate.lagMs };
      if (controlError !== null || candidateError !== null) {
        return record(
          facts,
          unit,
          stage,
          { outcome: 'candidate_error', controlError, candidateError, ...timing },
          settings.redact,
        );
      }
      let diffs: PathDiff[];
      const controlData = control.event.result.data ?? {};
      const candidateData = candidate.event.result.data ?? {};
      // The root field's response key: its name, or the alias the client gave it.
      const key = Object.keys(controlData)[0] ?? Object.keys(candidateData)[0] ?? field;
      try {
        diffs = compareValues(key, controlData[key], candidateData[key], rulesAt(key));
      } catch (error) {
        return raise('compare', error, unit);
      }
      record(
        facts,
        unit,
        stage,
        { outcome: diffs.length === 0 ? 'matched' : 'mismatched', diffs, ...timing },
        settings.redact,
      );
    }

    // An event the other side did not tell within the window: a mismatch of the whole event.
    function expire(role: Role, key: string, entry: Waiting) {
      const list = waiting[role].get(key);
      const index = list?.indexOf(entry) ?? -1;
      if (list === undefined || index < 0) return;
      list.splice(index, 1);
      if (list.length === 0) waiting[role].delete(key);
      if (entry.withdrawn) return;
      const present = `an event for ${key}`;
      const absent = missing('candidate', key);
      record(
        facts,
        unit,
        entry.stage,
        {
          outcome: 'mismatched',
          diffs: [
            {
              path: field,
              control: role === 'control' ? present : absent,
              candidate: role === 'control' ? absent : present,
            },
          ],
          [role === 'control' ? 'controlMs' : 'candidateMs']: entry.lagMs,
        },
        settings.redact,
      );
    }

    // Set when the subscription ends: an execution still running then (a candidate's, or a
    // control event taken just before) finishes later, and is not judged either.
    let closed = false;

    function arrive(role: Role, stage: Stage, event: ComparedEvent, withdrawn = false) {
      if (closed) return;
      const other = role === 'control' ? 'candidate' : 'control';
      const lagMs = Math.max(0, clock() - Date.parse(event.change.at));
      const partners = waiting[other].get(event.key);
      const partner = partners?.shift();
      if (partners?.length === 0) waiting[other].delete(event.key);
      if (partner !== undefined) {
        clearTimeout(partner.timer);
        if (withdrawn || partner.withdrawn) return;
        const self = { stage, event, lagMs, timer: partner.timer };
        return role === 'control' ? judgePair(stage, self, partner) : judgePair(partner.stage, partner, self);
      }
      const entry: Waiting = {
        stage,
        event,
        lagMs,
        timer: setTimeout(() => expire(role, event.key, entry), settings.lagWindowMs),
        ...(withdrawn ? { withdrawn: true as const } : {}),
      };
      entry.timer.unref();
      const list = waiting[role].get(event.key) ?? [];
      list.push(entry);
      waiting[role].set(event.key, list);
    }

    return {
      control: (stage, event) => arrive('control', stage, event),
      candidate: (stage, event) => arrive('candidate', stage, event),
      withdraw: (stage, event) => arrive('control', stage, event, true),
      close() {
        closed = true;
        for (const lists of Object.values(waiting))
          for (const list of lists.values()) for (const entry of list) clearTimeout(entry.timer);
        waiting.control.clear();
        waiting.candidate.clear();
      },
    };
  }

  return { forSubscription };
}
