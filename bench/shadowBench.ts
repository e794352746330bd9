import { setTimeout as sleep } from 'node:timers/promises';
import type { TestEngine } from '../harness/databases.ts';
import { startTestGateway, type TestGateway } from '../harness/testGateway.ts';
import { writeDefinitions } from '../src/routing/flagFiles.ts';
import { type LoadDriver, type LoadOutcome, type LoadResult, loadResult } from './driveLoad.ts';
import { mainThreadCpuMs } from './mainThreadCpu.ts';
import { progress } from './measure.ts';
import {
  addTallies,
  EMPTY_TALLY,
  type ObservationTally,
  tallyObservations,
  tallySince,
} from './observationTally.ts';
import { BENCH_STAGES, type BenchStage, stageFlags } from './stageFlags.ts';

/** A query the shadow benchmark sends, always as alice. */
export interface ShadowBenchQuery {
  name: string;
  label: string;
  query: string;
}

/** The benchmark's queries: one commitment with nested units, and a page of the caller's commitments. */
export const SHADOW_BENCH_QUERIES: readonly ShadowBenchQuery[] = [
  {
    name: 'commitment',
    label: 'commitment(id) { title status parties { role profile { username } } }',
    query:
      'query BenchCommitment { commitment(id: "c0000000-0000-4000-8000-000000000003") ' +
      '{ title status parties { role profile { username } } } }',
  },
  {
    name: 'commitments',
    label: 'commitments(first: 20) { edges { node { id title status } } }',
    query: 'query BenchCommitments { commitments(first: 20) { edges { node { id title status } } } }',
  },
];

/** How long and how hard the shadow benchmark drives the gateway. */
export interface ShadowBenchSizes {
  /** Clients sending requests at once, each waiting for its answer before the next. */
  concurrency: number;
  /** Measured runs per stage and query; each round starts at the next stage, so every stage takes every place. */
  rounds: number;
  /** Length of one measured run. */
  measureMs: number;
  /** Unmeasured load per stage and query before the first round. */
  warmUpMs: number;
  /** Unmeasured load after each change of stage, before its measured run. */
  switchWarmUpMs: number;
  /** The shadow runner's cap on candidate reads in flight (its default is 64). */
  maxInFlight: number;
}

/** One query at one stage: the load it carried and the observations it produced. */
export interface StageMeasurement {
  stage: BenchStage;
  /** The measured runs pooled: requests over total seconds, percentiles over every latency. */
  load: LoadResult;
  /** Each measured run alone, in the order run, to judge the noise. */
  runs: LoadResult[];
  /** What the shadow runner did during the measured runs (settled after each). */
  observations: ObservationTally;
  /** Comparisons judged per second of measured load. */
  observationsPerSecond: number;
  /** Comparisons judged per request: the units at the stage the query touches, less drops. */
  observationsPerRequest: number;
  /**
   * CPU milliseconds of the gateway's thread (Apollo, resolvers, comparisons, PGlite;
   * not PostgreSQL's processes, not the load worker) per request; null off Linux.
   */
  cpuMsPerRequest: number | null;
  /** Candidate reads not started at the in-flight cap, per second of measured load. */
  droppedPerSecond: number;
  /** The first answer of every run at this stage is byte for byte the first answer at `legacy`. */
  sameAnswer: boolean;
}

/** One query at every stage, with the ratios of each stage to `legacy`. */
export interface QueryMeasurement {
  query: string;
  label: string;
  stages: StageMeasurement[];
  /** Requests per second, p99 latency and CPU per request of `shadow` and `live`, each over `legacy`. */
  ratios: Record<'shadow' | 'live', { throughput: number; p99: number; cpu: number | null }>;
}

/** The shadow benchmark on one database engine. */
export interface EngineShadowResult {
  engine: string;
  queries: QueryMeasurement[];
}

interface Cell {
  outcomes: LoadOutcome[];
  tally: ObservationTally;
  /** CPU of the gateway's thread over the measured runs, or null when it cannot be read. */
  cpuMs: number | null;
}

const EMPTY_CELL: Cell = { outcomes: [], tally: EMPTY_TALLY, cpuMs: 0 };

const PROBE = SHADOW_BENCH_QUERIES[0]?.query ?? '';

// True once a probe request shows the gateway routes by the flags of `stage`:
// no comparison at `legacy`, comparisons at exactly that stage otherwise.
async function routesAt(gateway: TestGateway, stage: BenchStage, token: string): Promise<boolean> {
  const before = await tallyObservations(gateway);
  await gateway.query(PROBE, { token });
  const { compared } = tallySince(await tallyObservations(gateway), before);
  const stages = Object.keys(compared);
  return stage === 'legacy' ? stages.length === 0 : stages.length === 1 && stages[0] === stage;
}

async function switchStage(gateway: TestGateway, stage: BenchStage, token: string): Promise<void> {
  await writeDefinitions(gateway.flagsPath, await stageFlags(stage));
  const deadline = performance.now() + 10_000;
  while (!(await routesAt(gateway, stage, token))) {
    if (performance.now() > deadline) throw new Error(`the gateway did not move to stage ${stage} in 10 s`);
    await sleep(20);
  }
}

function stageMeasurement(stage: BenchStage, cell: Cell, legacyAnswer: string | null): StageMeasurement {
  const load = loadResult(cell.outcomes);
  const compared = Object.values(cell.tally.compared).reduce((sum, value) => sum + value, 0);
  return {
    stage,
    load,
    runs: cell.outcomes.map((outcome) => loadResult([outcome])),
    cpuMsPerRequest: cell.cpuMs === null ? null : cell.cpuMs / load.requests,
    observations: cell.tally,
    droppedPerSecond: cell.tally.dropped / load.seconds,
    observationsPerSecond: compared / load.seconds,
    observationsPerRequest: compared / load.requests,
    sameAnswer: cell.outcomes.every((outcome) => outcome.firstBody === legacyAnswer),
  };
}

function queryMeasurement(query: ShadowBenchQuery, cells: Map<BenchStage, Cell>): QueryMeasurement {
  const legacyAnswer = cells.get('legacy')?.outcomes[0]?.firstBody ?? null;
  const stages = BENCH_STAGES.map((stage) =>
    stageMeasurement(stage, cells.get(stage) ?? EMPTY_CELL, legacyAnswer),
  );
  const [legacy, shadow, live] = stages;
  const ratio = (of: StageMeasurement | undefined) => {
    const cpu = of?.cpuMsPerRequest ?? null;
    const legacyCpu = legacy?.cpuMsPerRequest ?? null;
    return {
      throughput: (of?.load.perSecond ?? Number.NaN) / (legacy?.load.perSecond ?? Number.NaN),
      p99: (of?.load.p99Ms ?? Number.NaN) / (legacy?.load.p99Ms ?? Number.NaN),
      cpu: cpu === null || legacyCpu === null ? null : cpu / legacyCpu,
    };
  };
  return {
    query: query.name,
    label: query.label,
    stages,
    ratios: { shadow: ratio(shadow), live: ratio(live) },
  };
}

/**
 * Runs every benchmark query against a gateway on `engine` (seeded legacy database,
 * backfilled ledger and OLTP targets, observations stored in the legacy database)
 * with every unit at `legacy`, `shadow` and `live` in turn, through `driver`.
 */
export async function benchShadow(
  engine: TestEngine,
  driver: LoadDriver,
  sizes: ShadowBenchSizes,
): Promise<EngineShadowResult> {
  progress(`${engine.name}: starting a gateway over seeded legacy and backfilled targets`);
  const gateway = await startTestGateway(engine, {
    targets: true,
    shadow: { maxInFlight: sizes.maxInFlight },
    flags: await stageFlags('legacy'),
  });
  try {
    const token = await gateway.tokenFor('alice');
    const load = (query: ShadowBenchQuery, durationMs: number) =>
      driver.run({
        url: gateway.gateway.url,
        query: query.query,
        headers: { authorization: `Bearer ${token}` },
        concurrency: sizes.concurrency,
        durationMs,
      });
    for (const stage of BENCH_STAGES) {
      progress(`${engine.name}: warming up at ${stage}`);
      await switchStage(gateway, stage, token);
      for (const query of SHADOW_BENCH_QUERIES) await load(query, sizes.warmUpMs);
    }
    const cells = new Map(SHADOW_BENCH_QUERIES.map((query) => [query.name, new Map<BenchStage, Cell>()]));
    for (let round = 0; round < sizes.rounds; round++) {
      // Rotating the order spreads drift (JIT, table growth, other processes) over every stage.
      const order = BENCH_STAGES.map(
        (_, index) => BENCH_STAGES[(index + round) % BENCH_STAGES.length] ?? 'legacy',
      );
      for (const stage of order) {
        progress(`${engine.name}: round ${round + 1} of ${sizes.rounds}, ${stage}`);
        await switchStage(gateway, stage, token);
        for (const query of SHADOW_BENCH_QUERIES) {
          await load(query, sizes.switchWarmUpMs);
          const before = await tallyObservations(gateway);
          const cpuBefore = mainThreadCpuMs();
          const outcome = await load(query, sizes.measureMs);
          const cpuAfter = mainThreadCpuMs();
          // Settling finishes the comparisons the run started; their CPU after the run is not counted.
          const tally = tallySince(await tallyObservations(gateway), before);
          const byStage = cells.get(query.name);
          const cell = byStage?.get(stage) ?? EMPTY_CELL;
          byStage?.set(stage, {
            outcomes: [...cell.outcomes, outcome],
            tally: addTallies(cell.tally, tally),
            cpuMs:
              cell.cpuMs === null || cpuBefore === null || cpuAfter === null
                ? null
                : cell.cpuMs + cpuAfter - cpuBefore,
          });
        }
      }
    }
    return {
      engine: engine.name,
      queries: SHADOW_BENCH_QUERIES.map((query) =>
        queryMeasurement(query, cells.get(query.name) ?? new Map()),
      ),
    };
  } finally {
    await gateway.close();
  }
}
