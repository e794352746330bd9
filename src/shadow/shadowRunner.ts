import { setTimeout as sleep } from 'node:timers/promises';
import type { Viewer } from '../backends/viewer.ts';
import { type CatalogueEntry, DEFAULT_SHADOW, type ShadowSettings } from '../core/catalogue.ts';
import type { Observation } from '../core/observation.ts';
import type { Side, Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { buildObservation } from './buildObservation.ts';
import { judgeExperiment, type Settled } from './judgeExperiment.ts';
import { NoiseMemory } from './noiseMemory.ts';
import type { ObservationWriter } from './observationWriter.ts';
import type { SelectionInfo } from './projectSelection.ts';
import { createInternalErrorReporter, type OnInternalError, type ShadowStep } from './reportInternalError.ts';

/** One side of an experiment: which it is, and how to read it (`fresh`: bypassing the request's caches). */
export interface ExperimentSide {
  side: Side;
  read(fresh: boolean): Promise<unknown>;
}

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
   * Serves a read unit through its control side while the candidate runs alongside;
   * returns (or throws) exactly what the control does. The comparison runs after
   * the response is sent.
   */
  run(
    unit: string,
    stage: Stage,
    control: ExperimentSide,
    candidate: ExperimentSide,
    info: SelectionInfo & { path: string; operationName: string | null },
  ): Promise<unknown>;
  /** Says the response has gone out: comparisons may start. */
  responseSent(): void;
}

/** Options of {@link createShadowRunner}. */
export interface ShadowRunnerOptions {
  catalogue: ReadonlyMap<string, CatalogueEntry>;
  writer: ObservationWriter;
  metrics: GatewayMetrics;
  /** Candidate reads in flight at most, across all requests; beyond it samples are dropped. @default 64 */
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
  /** Candidate reads running now. */
  readonly inFlight: number;
  /** Resolves when every comparison started so far has been judged and recorded. */
  idle(): Promise<void>;
}

// A read's failure as a rejection, even when `read` throws before returning a promise.
function startRead(side: ExperimentSide, fresh: boolean): Promise<unknown> {
  try {
    return Promise.resolve(side.read(fresh));
  } catch (error) {
    return Promise.reject(error);
  }
}

function settle(work: Promise<unknown>, timeoutMs?: number): Promise<Settled> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  const settled = work.then(
    (value): Settled => ({ kind: 'value', value, ms: ms() }),
    (error: unknown): Settled => ({
      kind: 'error',
      error: error instanceof Error ? error.message : String(error),
      ms: ms(),
    }),
  );
  if (timeoutMs === undefined) return settled;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout', ms: timeoutMs }), timeoutMs);
    timer.unref();
  });
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}

// List indexes in a field's path become [*], so the same field of every item is one path.
function rootOf(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, '[*]');
}

/** One sampled read in progress: what it needs to be judged once the response is out. */
interface Experiment {
  facts: RequestFacts;
  unit: string;
  stage: Stage;
  control: ExperimentSide;
  candidate: ExperimentSide;
  info: SelectionInfo & { path: string; operationName: string | null };
  settings: ShadowSettings;
  controlSettled: Promise<Settled>;
  candidateSettled: Promise<Settled>;
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

  function raise(step: ShadowStep, error: unknown, unit: string) {
    try {
      onInternalError(step, error, unit);
    } catch {
      // The hook itself failed: its own failure is still counted.
      options.metrics.shadowInternalErrors.inc({ unit, step: 'observe' });
    }
  }

  // Never throws: on the request path for dropped samples, so a failure here must not reach the client.
  function observe(
    facts: RequestFacts,
    base: Pick<Observation, 'unit' | 'stage' | 'control' | 'operationName'>,
    rest: Partial<Observation>,
    redact: readonly string[],
  ) {
    try {
      const observation = buildObservation({
        facts,
        base,
        rest,
        redact,
        salt: options.salt,
        at: clock().toISOString(),
        raised: (step, error) => raise(step, error, base.unit),
      });
      options.metrics.observations.inc({
        unit: observation.unit,
        stage: observation.stage,
        outcome: observation.outcome,
      });
      options.writer.record(observation);
    } catch (error) {
      raise('observe', error, base.unit);
    }
  }

  // After the response has gone out (or maxWaitMs has passed): judge and record.
  async function judge(experiment: Experiment): Promise<void> {
    const { facts, unit, stage, control, candidate, info, settings } = experiment;
    const [controlResult, candidateResult] = await Promise.all([
      experiment.controlSettled,
      experiment.candidateSettled,
    ]);
    await Promise.race([experiment.sent, sleep(maxWaitMs, undefined, { ref: false })]);
    const checkNoise = random() < settings.noiseSampleRate;
    const judgement = await judgeExperiment({
      unit,
      root: rootOf(info.path),
      info,
      settings,
      control: controlResult,
      candidate: candidateResult,
      noise,
      rereadControl: checkNoise ? () => settle(startRead(control, true)) : null,
      recheckCandidate:
        settings.recheckAfterMs > 0
          ? async () => {
              await sleep(settings.recheckAfterMs, undefined, { ref: false });
              return settle(startRead(candidate, true), settings.timeoutMs);
            }
          : null,
      raised: (step, error) => raise(step, error, unit),
    });
    options.metrics.shadowLatency.observe({ unit, side: control.side }, controlResult.ms / 1000);
    options.metrics.shadowLatency.observe({ unit, side: candidate.side }, judgement.candidate.ms / 1000);
    observe(
      facts,
      { unit, stage, control: control.side, operationName: facts.operationName ?? info.operationName },
      {
        outcome: judgement.outcome,
        diffs: judgement.diffs,
        controlMs: controlResult.ms,
        candidateMs: judgement.candidate.ms,
        controlError: controlResult.kind === 'error' ? controlResult.error : null,
        candidateError:
          judgement.comparatorError ??
          (judgement.candidate.kind === 'error' ? judgement.candidate.error : null),
      },
      settings.redact,
    );
  }

  function forRequest(facts: RequestFacts): RequestShadow {
    let markSent: () => void = () => {};
    const sent = new Promise<void>((resolve) => {
      markSent = resolve;
    });
    return {
      responseSent: () => setImmediate(markSent),
      async run(unit, stage, control, candidate, info) {
        const settings = options.catalogue.get(unit)?.shadow ?? DEFAULT_SHADOW;
        if (random() >= settings.sampleRate) return control.read(false);
        if (inFlight >= maxInFlight) {
          options.metrics.shadowDropped.inc({ unit });
          const operationName = facts.operationName ?? info.operationName;
          observe(facts, { unit, stage, control: control.side, operationName }, {}, []);
          return control.read(false);
        }
        inFlight += 1;
        // Started before the control is awaited, so it never adds to the response time;
        // it counts as in flight until it really ends, timeout or not.
        const candidateRead = startRead(candidate, false);
        candidateRead
          .then(
            () => {},
            () => {},
          )
          .finally(() => {
            inFlight -= 1;
          });
        const controlRead = startRead(control, false);
        const judged = judge({
          facts,
          unit,
          stage,
          control,
          candidate,
          info,
          settings,
          controlSettled: settle(controlRead),
          candidateSettled: settle(candidateRead, settings.timeoutMs),
          sent,
        }).catch((error: unknown) => raise('observe', error, unit));
        pending.add(judged);
        void judged.finally(() => pending.delete(judged));
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
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
