import type { Viewer } from '../backends/viewer.ts';
import { type CatalogueEntry, DEFAULT_SHADOW, type ShadowSettings } from '../core/catalogue.ts';
import type { Observation } from '../core/observation.ts';
import type { Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { createAdaptiveSampler } from './adaptiveSampler.ts';
import { buildObservation } from './buildObservation.ts';
import { type Judgement, judgeComparison } from './judgeComparison.ts';
import { NoiseMemory } from './noiseMemory.ts';
import type { ObservationWriter } from './observationWriter.ts';
import { createInternalErrorReporter, type OnInternalError, type ShadowStep } from './reportInternalError.ts';
import {
  type ComparedItem,
  type ExperimentSide,
  NOT_KEPT,
  type ShadowSite,
  settleRead,
  startRead,
  UnitComparison,
} from './unitComparison.ts';

export type { ExperimentSide, Settled, ShadowSite } from './unitComparison.ts';

/** What a request tells the runner about itself, for its observations. */
export interface RequestFacts {
  viewer: Viewer;
  operationName: string | null;
  clientName: string | null;
  clientVersion: string | null;
  query: string | null;
  variables: unknown;
}

/** The shadow reads of one request. */
export interface RequestShadow {
  /**
   * Serves one value of a read unit through its control side while the candidate runs
   * alongside; returns (or throws) exactly what the control does. The unit is sampled
   * once per request: every value of a sampled unit joins one comparison (one per list
   * item, a repeated object once), judged after the response is sent.
   */
  run(
    unit: string,
    stage: Stage,
    control: ExperimentSide,
    candidate: ExperimentSide,
    site: ShadowSite,
  ): Promise<unknown>;
  /** Says the response has gone out: comparisons may start. */
  responseSent(): void;
}

/** Options of {@link createShadowRunner}. */
export interface ShadowRunnerOptions {
  catalogue: ReadonlyMap<string, CatalogueEntry>;
  writer: ObservationWriter;
  metrics: GatewayMetrics;
  /**
   * Comparisons whose candidates have not answered when their response went out, at which
   * the sampler lowers the sample rates; sixteen times as many in progress and new samples
   * are skipped. @default 64
   */
  maxInFlight?: number;
  /** Keys the user-id and redaction hashes. */
  salt: string;
  /**
   * How long a comparison waits for the response to go out before it is judged anyway
   * (a response that never completes must not hold both answers in memory). @default 10000
   */
  maxWaitMs?: number;
  /**
   * Hears every failure inside the machinery (Scientist's `raised`), with its step and
   * unit; the client never sees them. Must not throw (a throw is counted as step `observe`).
   * @default counts them on `figway_shadow_internal_errors_total`
   */
  onInternalError?: OnInternalError;
  random?: () => number;
  clock?: () => Date;
}

/** The process-wide shadow runner. */
export interface ShadowRunner {
  forRequest(facts: RequestFacts): RequestShadow;
  /** Comparisons in progress now, from their first read until they are recorded. */
  readonly inFlight: number;
  /** The adaptive factor a unit's configured sample rate is multiplied by now (1 when idle). */
  factorOf(unit: string): number;
  /** Resolves when every comparison started so far has been judged and recorded. */
  idle(): Promise<void>;
}

/** One sampled comparison and what it needs to be judged once the response is out. */
interface Sampled {
  facts: RequestFacts;
  unit: string;
  stage: Stage;
  control: ExperimentSide['side'];
  operationName: string | null;
  settings: ShadowSettings;
  comparison: UnitComparison;
  sent: Promise<void>;
}

/** Creates the runner that performs shadow reads, judges them and records observations. */
export function createShadowRunner(options: ShadowRunnerOptions): ShadowRunner {
  const random = options.random ?? Math.random;
  const clock = options.clock ?? (() => new Date());
  const maxInFlight = options.maxInFlight ?? 64;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const onInternalError =
    options.onInternalError ?? createInternalErrorReporter({ metrics: options.metrics });
  const noise = new NoiseMemory();
  const pending = new Set<Promise<void>>();
  let inFlight = 0;
  let backlog = 0;
  const sampler = createAdaptiveSampler({
    maxBacklog: maxInFlight,
    backlog: () => backlog,
    writerPressure: () => options.writer.pressure,
    metrics: options.metrics,
  });

  function raise(step: ShadowStep, error: unknown, unit: string) {
    try {
      onInternalError(step, error, unit);
    } catch {
      // The hook itself failed: its own failure is still counted.
      options.metrics.shadowInternalErrors.inc({ unit, step: 'observe' });
    }
  }

  // Into the place the sample reserved in the writer's queue; false when it could not be built.
  function observe(
    sampled: Sampled,
    rest: Omit<Judgement, 'controlMs' | 'candidateMs'> &
      Pick<Observation, 'controlMs' | 'candidateMs' | 'sampleRate' | 'items'>,
  ): boolean {
    const { unit, settings } = sampled;
    try {
      const observation = buildObservation({
        facts: sampled.facts,
        base: {
          unit,
          stage: sampled.stage,
          control: sampled.control,
          operationName: sampled.operationName,
        },
        rest,
        redact: settings.redact,
        salt: options.salt,
        at: clock().toISOString(),
        raised: (step, error) => raise(step, error, unit),
      });
      options.metrics.observations.inc({ unit, stage: sampled.stage, outcome: observation.outcome });
      options.writer.record(observation, true);
      return true;
    } catch (error) {
      raise('observe', error, unit);
      return false;
    }
  }

  function reread(
    items: readonly ComparedItem[],
    role: 'control' | 'candidate',
    round: number,
    timeoutMs: number,
  ) {
    return Promise.all(items.map((item) => settleRead(startRead(item[role] ?? NOT_KEPT, round), timeoutMs)));
  }

  // After the response has gone out (or maxWaitMs has passed): judge and record.
  async function finish(sampled: Sampled): Promise<void> {
    const { unit, settings, comparison } = sampled;
    let reserved = true;
    try {
      await sampled.sent;
      // The backlog is comparisons whose candidates have not answered when the response is out.
      backlog += 1;
      try {
        await comparison.settle(settings.timeoutMs);
      } finally {
        backlog -= 1;
      }
      const judgement = await judgeComparison({
        unit,
        settings,
        items: comparison.items,
        noise,
        checkNoise: random() < settings.noiseSampleRate,
        reread: (items, role, round) => reread(items, role, round, settings.timeoutMs),
        raised: (step, error) => raise(step, error, unit),
      });
      options.metrics.shadowLatency.observe({ unit, side: sampled.control }, judgement.controlMs / 1000);
      const candidateSide = sampled.control === 'legacy' ? 'target' : 'legacy';
      options.metrics.shadowLatency.observe({ unit, side: candidateSide }, judgement.candidateMs / 1000);
      reserved = !observe(sampled, {
        ...judgement,
        sampleRate: comparison.effectiveRate,
        items: comparison.items.length,
      });
    } finally {
      if (reserved) options.writer.release();
    }
  }

  // Draws the unit's sample for this request; the comparison when it is taken, else null.
  function sample(
    facts: RequestFacts,
    unit: string,
    stage: Stage,
    control: ExperimentSide,
    site: ShadowSite,
    sent: Promise<void>,
    drawn: number,
  ): UnitComparison | null {
    const settings = options.catalogue.get(unit)?.shadow ?? DEFAULT_SHADOW;
    const rate = sampler.draw(unit, settings.sampleRate, drawn);
    if (rate === null) return null;
    if (inFlight >= maxInFlight * 16) {
      sampler.skip(unit, 'backlog');
      return null;
    }
    if (!options.writer.reserve()) {
      sampler.skip(unit, 'queue_full');
      return null;
    }
    const comparison = new UnitComparison(rate, settings.recheckAfterMs > 0 || settings.noiseSampleRate > 0);
    const operationName = facts.operationName ?? site.info.operation.name?.value ?? null;
    inFlight += 1;
    sampler.started(unit);
    const judged = finish({
      facts,
      unit,
      stage,
      control: control.side,
      operationName,
      settings,
      comparison,
      sent,
    })
      .catch((error: unknown) => raise('observe', error, unit))
      .finally(() => {
        inFlight -= 1;
        sampler.done(unit);
        pending.delete(judged);
      });
    pending.add(judged);
    return comparison;
  }

  function forRequest(facts: RequestFacts): RequestShadow {
    const comparisons = new Map<string, UnitComparison | null>();
    // One draw per request for every unit: each keeps its rate, but units are sampled
    // together, so the candidate reads they share happen in as few requests as possible.
    let drawn: number | undefined;
    let markSent: () => void = () => {};
    let waiting: NodeJS.Timeout | undefined;
    const sent = new Promise<void>((resolve) => {
      markSent = () => {
        clearTimeout(waiting);
        resolve();
      };
    });
    return {
      responseSent: () => setImmediate(markSent),
      run(unit, stage, control, candidate, site) {
        let comparison = comparisons.get(unit);
        if (comparison === undefined) {
          drawn ??= random();
          comparison = sample(facts, unit, stage, control, site, sent, drawn);
          comparisons.set(unit, comparison);
          if (comparison !== null && waiting === undefined) {
            // A response that never goes out must not hold both answers in memory.
            waiting = setTimeout(markSent, maxWaitMs);
            waiting.unref();
          }
        }
        if (comparison === null || !comparison.admit(site)) return startRead(control, 0);
        // Started before the control is awaited, so it never adds to the response time.
        const candidateRead = startRead(candidate, 0);
        const controlRead = startRead(control, 0);
        comparison.add(site, control, candidate, controlRead, candidateRead);
        // The client gets the control's own value or error, exactly as without a shadow.
        return controlRead;
      },
    };
  }

  return {
    forRequest,
    get inFlight() {
      return inFlight;
    },
    factorOf: (unit) => sampler.factorOf(unit),
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
