import { setTimeout as sleep } from 'node:timers/promises';
import type { Viewer } from '../backends/viewer.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../routing/flagFiles.ts';
import type { Side, Stage } from '../routing/stage.ts';
import { judgeExperiment, type Settled } from './judgeExperiment.ts';
import { NoiseMemory } from './noiseMemory.ts';
import type { Observation } from './observation.ts';
import type { ObservationWriter } from './observationWriter.ts';
import type { SelectionInfo } from './projectSelection.ts';
import { keyedHash, redactDiffs, redactVariables } from './redact.ts';

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

async function settle(read: () => Promise<unknown>, timeoutMs?: number): Promise<Settled> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  const work = read().then(
    (value): Settled => ({ kind: 'value', value, ms: ms() }),
    (error: unknown): Settled => ({
      kind: 'error',
      error: error instanceof Error ? error.message : String(error),
      ms: ms(),
    }),
  );
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout', ms: timeoutMs }), timeoutMs);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

// List indexes in a field's path become [*], so the same field of every item is one path.
function rootOf(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, '[*]');
}

/** Creates the runner that performs shadow reads, judges them and records observations. */
export function createShadowRunner(options: ShadowRunnerOptions): ShadowRunner {
  const random = options.random ?? Math.random;
  const clock = options.clock ?? (() => new Date());
  const maxInFlight = options.maxInFlight ?? 64;
  const noise = new NoiseMemory();
  const pending = new Set<Promise<void>>();
  let inFlight = 0;

  function observe(
    facts: RequestFacts,
    base: Pick<Observation, 'unit' | 'stage' | 'control' | 'operationName'>,
    rest: Partial<Observation>,
  ) {
    const { viewer } = facts;
    const observation: Observation = {
      at: clock().toISOString(),
      ...base,
      cohort: viewer.kind === 'user' ? viewer.cohort : null,
      userHash: viewer.kind === 'anonymous' || viewer.id === null ? null : keyedHash(viewer.id, options.salt),
      clientName: facts.clientName,
      clientVersion: facts.clientVersion,
      query: facts.query,
      variables: redactVariables(facts.variables, options.salt),
      outcome: 'dropped',
      diffs: [],
      controlMs: null,
      candidateMs: null,
      controlError: null,
      candidateError: null,
      ...rest,
    };
    options.metrics.observations.inc({
      unit: observation.unit,
      stage: observation.stage,
      outcome: observation.outcome,
    });
    options.writer.record(observation);
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
        const base = { unit, stage, control: control.side };
        if (inFlight >= maxInFlight) {
          options.metrics.shadowDropped.inc({ unit });
          observe(
            facts,
            { ...base, operationName: facts.operationName ?? info.operationName },
            { outcome: 'dropped' },
          );
          return control.read(false);
        }
        inFlight += 1;
        // Started before the control is awaited, so it never adds to the response time;
        // it counts as in flight until it really ends, timeout or not.
        const candidateRead = candidate.read(false);
        candidateRead
          .then(
            () => {},
            () => {},
          )
          .finally(() => {
            inFlight -= 1;
          });
        const candidateSettled = settle(() => candidateRead, settings.timeoutMs);
        const controlRead = control.read(false);
        const controlSettled = settle(() => controlRead);
        const judged = (async () => {
          const [controlResult, candidateResult] = await Promise.all([controlSettled, candidateSettled]);
          await Promise.race([sent, sleep(10_000, undefined, { ref: false })]);
          const checkNoise = random() < settings.noiseSampleRate;
          const judgement = await judgeExperiment({
            unit,
            root: rootOf(info.path),
            info,
            settings,
            control: controlResult,
            candidate: candidateResult,
            noise,
            rereadControl: checkNoise ? () => settle(() => control.read(true)) : null,
            recheckCandidate:
              settings.recheckAfterMs > 0
                ? async () => {
                    await sleep(settings.recheckAfterMs, undefined, { ref: false });
                    return settle(() => candidate.read(true), settings.timeoutMs);
                  }
                : null,
          });
          options.metrics.shadowLatency.observe({ unit, side: control.side }, controlResult.ms / 1000);
          options.metrics.shadowLatency.observe(
            { unit, side: candidate.side },
            judgement.candidate.ms / 1000,
          );
          observe(
            facts,
            { ...base, operationName: facts.operationName ?? info.operationName },
            {
              outcome: judgement.outcome,
              diffs: redactDiffs(judgement.diffs, settings.redact, options.salt),
              controlMs: controlResult.ms,
              candidateMs: judgement.candidate.ms,
              controlError: controlResult.kind === 'error' ? controlResult.error : null,
              candidateError:
                judgement.comparatorError ??
                (judgement.candidate.kind === 'error' ? judgement.candidate.error : null),
            },
          );
        })().catch(() => {});
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
