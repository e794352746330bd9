import type { LagSummary } from './mirrorMetrics.ts';
import type { WriteStage } from './mutationFlags.ts';
import type { EngineWritesResult, WriteStageMeasurement, WritesBenchSizes } from './writesBench.ts';

/** Everything one writes benchmark run measured; `--json` prints this object. */
export interface WritesBenchReport {
  machine: { node: string; cores: number; cpu: string };
  /** NODE_ENV of the run; graphql 16 runs development-mode checks unless it is `production`. */
  nodeEnv: string | null;
  /** The machine's 1-minute load average before and after the run: other processes competing for the cores. */
  loadAverage: { before: number; after: number };
  sizes: WritesBenchSizes;
  engines: EngineWritesResult[];
  /** Engines not measured, with the reason. */
  skipped: string[];
}

const number = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';

// The way a stage's own writes are mirrored: legacy's captured changes go to the
// target at `legacy` (by the background applier) and `dualwrite`; the outbox goes to legacy at `live`.
const MIRRORED_TO: Record<WriteStage, 'toTarget' | 'toLegacy'> = {
  legacy: 'toTarget',
  dualwrite: 'toTarget',
  live: 'toLegacy',
};

const COLUMNS: ReadonlyArray<[string, number]> = [
  ['stage', 11],
  ['mut/s', 7],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['cpu ms', 7],
  ['lag to', 7],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['left', 7],
  ['mfail', 6],
  ['err', 5],
];

function cells(values: string[]): string {
  return values
    .map((value, index) => {
      const [, width] = COLUMNS[index] ?? ['', 8];
      return index === 0 ? `  ${value}`.padEnd(width) : value.padStart(width);
    })
    .join('');
}

const ms = (seconds: number | undefined) => number((seconds ?? Number.NaN) * 1000, 1);

function stageRow(measured: WriteStageMeasurement): string {
  const way = MIRRORED_TO[measured.stage];
  const lag: LagSummary | null = measured.lag[way];
  return cells([
    measured.stage,
    number(measured.perSecond),
    number(measured.load.p50Ms, 1),
    number(measured.load.p99Ms, 1),
    measured.cpuMsPerMutation === null ? '-' : number(measured.cpuMsPerMutation, 1),
    way === 'toTarget' ? 'target' : 'legacy',
    ms(lag?.p50),
    ms(lag?.p99),
    measured.runs.map((run) => number(run.leftAfterDrain)).join('/'),
    number(measured.mirrorFailures),
    number(measured.load.failures),
  ]);
}

function runsLine(measured: WriteStageMeasurement): string {
  const rates = measured.runs.map((run) => number(run.load.perSecond)).join(', ');
  const created = measured.runs.reduce((sum, run) => sum + run.created, 0);
  const attached = measured.runs.reduce((sum, run) => sum + run.attached, 0);
  const drainMs = Math.max(...measured.runs.map((run) => run.drainMs));
  const dead = Math.max(...measured.runs.map((run) => run.deadLetters));
  const mirrored = Object.entries(measured.mirroredWrites)
    .map(([stage, count]) => `${number(count)} at ${stage}`)
    .join(', ');
  const inline =
    measured.inlineMirror === null
      ? ''
      : ` (own mirror p50 ${number(measured.inlineMirror.p50Ms, 1)} ms, p99 ${number(measured.inlineMirror.p99Ms, 1)} ms)`;
  return (
    `  ${measured.stage}: runs ${rates} mut/s; ${number(created)} created, ${number(attached)} attached; ` +
    `handed to the mirror: ${mirrored === '' ? 'none' : mirrored}${inline}; drain <= ${number(drainMs)} ms; ` +
    `${number(dead)} dead letters`
  );
}

function changesLine(measured: WriteStageMeasurement): string {
  const way = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([result, count]) => `${number(count)} ${result}`)
      .join(', ') || 'none';
  return `    mirror changes to target: ${way(measured.changes.target)}; to legacy: ${way(measured.changes.legacy)}`;
}

function engineLines(engine: EngineWritesResult): string[] {
  const failures = engine.stages.flatMap((stage) => stage.failureSamples);
  const failed = engine.stages.reduce((sum, stage) => sum + stage.load.failures, 0);
  return [
    engine.engine,
    cells(COLUMNS.map(([title]) => title)),
    ...engine.stages.map(stageRow),
    `  dualwrite/legacy ${number(engine.ratios.dualwrite, 2)}x mut/s, ` +
      `live/legacy ${number(engine.ratios.live, 2)}x mut/s`,
    ...engine.stages.flatMap((stage) => [runsLine(stage), changesLine(stage)]),
    `  ${number(failed)} mutations failed; ${number(engine.openConflicts)} open sync conflicts at the end`,
    ...failures.map((message) => `    e.g. ${message}`),
  ];
}

/** The writes report as a compact text table; the per-run lines wrap past 80 columns. */
export function formatWritesReport(report: WritesBenchReport): string {
  const { machine, sizes } = report;
  const attachShare = number(100 / sizes.attachEvery);
  const lines = [
    `figway writes benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    `gateway over HTTP with the mirror running both ways, NODE_ENV=${report.nodeEnv ?? 'unset'};`,
    `every Mutation unit at the stage for everyone; ${sizes.concurrency} keep-alive clients as`,
    `alice/bob/carol/dave in a worker thread, closed loop; createCommitment, and up to`,
    `${attachShare}% attachDocument on the client's newest commitment (at most ${sizes.maxDocuments} documents each);`,
    `${sizes.rounds} runs of ${number(sizes.measureMs / 1000, 1)} s per stage after warm-up, rotating stage order;`,
    'mut/s: median of the runs; p50/p99 ms: response latency over the runs pooled;',
    "cpu ms: the gateway thread's CPU per mutation (Apollo, resolvers, the mirror, Ion",
    'hashing, PGlite; not PostgreSQL, not the clients);',
    'lag: figway_mirror_lag_seconds over the runs and their drains (histogram buckets,',
    "interpolated), the stage's way: legacy->target (capture, the background applier at",
    'legacy; inline after the write at dualwrite), target->legacy (outbox) at live;',
    'left: changes still queued after each run and a drain (must be 0); mfail:',
    'figway_mirror_failures_total; err: mutations answered with errors;',
    `load average ${number(report.loadAverage.before, 1)} before, ${number(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: other processes competing for the cores make mut/s noisy.`,
  ];
  for (const engine of report.engines) lines.push('', ...engineLines(engine));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
