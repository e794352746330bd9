import type { GatewayBenchReport } from './gatewayBenchReport.ts';
import type { LagSummary } from './mirrorMetrics.ts';
import type { WriteStage } from './mutationFlags.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';
import type { EngineWritesResult, WriteStageMeasurement, WritesBenchSizes } from './writesBench.ts';

/** Everything one writes benchmark run measured; `--json` prints this object. */
export type WritesBenchReport = GatewayBenchReport<WritesBenchSizes, EngineWritesResult>;

// The way a stage's own writes are mirrored: legacy's captured changes go to the
// target at `legacy` (by the background applier) and `dualwrite`; the outbox goes to legacy at `live`.
const MIRRORED_TO: Record<WriteStage, 'toTarget' | 'toLegacy'> = {
  legacy: 'toTarget',
  dualwrite: 'toTarget',
  live: 'toLegacy',
};

const COLUMNS: TableColumns = [
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

const cells = (values: string[]) => tableCells(COLUMNS, values);

const ms = (seconds: number | undefined) => formatNumber((seconds ?? Number.NaN) * 1000, 1);

function stageRow(measured: WriteStageMeasurement): string {
  const way = MIRRORED_TO[measured.stage];
  const lag: LagSummary | null = measured.lag[way];
  return cells([
    measured.stage,
    formatNumber(measured.perSecond),
    formatNumber(measured.load.p50Ms, 1),
    formatNumber(measured.load.p99Ms, 1),
    measured.cpuMsPerMutation === null ? '-' : formatNumber(measured.cpuMsPerMutation, 1),
    way === 'toTarget' ? 'target' : 'legacy',
    ms(lag?.p50),
    ms(lag?.p99),
    measured.runs.map((run) => formatNumber(run.leftAfterDrain)).join('/'),
    formatNumber(measured.mirrorFailures),
    formatNumber(measured.load.failures),
  ]);
}

function runsLine(measured: WriteStageMeasurement): string {
  const rates = measured.runs.map((run) => formatNumber(run.load.perSecond)).join(', ');
  const created = measured.runs.reduce((sum, run) => sum + run.created, 0);
  const attached = measured.runs.reduce((sum, run) => sum + run.attached, 0);
  const drainMs = Math.max(...measured.runs.map((run) => run.drainMs));
  const dead = Math.max(...measured.runs.map((run) => run.deadLetters));
  const mirrored = Object.entries(measured.mirroredWrites)
    .map(([stage, count]) => `${formatNumber(count)} at ${stage}`)
    .join(', ');
  const inline =
    measured.inlineMirror === null
      ? ''
      : ` (own mirror p50 ${formatNumber(measured.inlineMirror.p50Ms, 1)} ms, p99 ${formatNumber(measured.inlineMirror.p99Ms, 1)} ms)`;
  return (
    `  ${measured.stage}: runs ${rates} mut/s; ${formatNumber(created)} created, ${formatNumber(attached)} attached; ` +
    `handed to the mirror: ${mirrored === '' ? 'none' : mirrored}${inline}; drain <= ${formatNumber(drainMs)} ms; ` +
    `${formatNumber(dead)} dead letters`
  );
}

function changesLine(measured: WriteStageMeasurement): string {
  const way = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([result, count]) => `${formatNumber(count)} ${result}`)
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
    `  dualwrite/legacy ${formatNumber(engine.ratios.dualwrite, 2)}x mut/s, ` +
      `live/legacy ${formatNumber(engine.ratios.live, 2)}x mut/s`,
    ...engine.stages.flatMap((stage) => [runsLine(stage), changesLine(stage)]),
    `  ${formatNumber(failed)} mutations failed; ${formatNumber(engine.openConflicts)} open sync conflicts at the end`,
    ...failures.map((message) => `    e.g. ${message}`),
  ];
}

/** The writes report as a compact text table; the per-run lines wrap past 80 columns. */
export function formatWritesReport(report: WritesBenchReport): string {
  const { machine, sizes } = report;
  const attachShare = formatNumber(100 / sizes.attachEvery);
  const lines = [
    `figway writes benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    `gateway over HTTP with the mirror running both ways, NODE_ENV=${report.nodeEnv ?? 'unset'};`,
    `every Mutation unit at the stage for everyone; ${sizes.concurrency} keep-alive clients as`,
    `alice/bob/carol/dave in a worker thread, closed loop; createCommitment, and up to`,
    `${attachShare}% attachDocument on the client's newest commitment (at most ${sizes.maxDocuments} documents each);`,
    `${sizes.rounds} runs of ${formatNumber(sizes.measureMs / 1000, 1)} s per stage after warm-up, rotating stage order;`,
    'mut/s: median of the runs; p50/p99 ms: response latency over the runs pooled;',
    "cpu ms: the gateway thread's CPU per mutation (Apollo, resolvers, the mirror, Ion",
    'hashing, PGlite; not PostgreSQL, not the clients);',
    'lag: figway_mirror_lag_seconds over the runs and their drains (histogram buckets,',
    "interpolated), the stage's way: legacy->target (capture, the background applier at",
    'legacy; inline after the write at dualwrite), target->legacy (outbox) at live;',
    'left: changes still queued after each run and a drain (must be 0); mfail:',
    'figway_mirror_failures_total; err: mutations answered with errors;',
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: other processes competing for the cores make mut/s noisy.`,
  ];
  for (const engine of report.engines) lines.push('', ...engineLines(engine));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
