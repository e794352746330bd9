import type { GatewayBenchReport } from './gatewayBenchReport.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';
import type {
  EngineShadowResult,
  QueryMeasurement,
  ShadowBenchSizes,
  StageMeasurement,
} from './shadowBench.ts';

/** Everything one shadow benchmark run measured; `--json` prints this object. */
export type ShadowBenchReport = GatewayBenchReport<ShadowBenchSizes, EngineShadowResult>;

const COLUMNS: TableColumns = [
  ['stage', 10],
  ['req/s', 7],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['cpu ms/req', 11],
  ['obs/s', 8],
  ['obs/req', 8],
  ['drop/s', 8],
  ['mism', 6],
];

const cells = (values: string[]) => tableCells(COLUMNS, values);

function stageRow(measured: StageMeasurement): string {
  const { load, observations } = measured;
  return cells([
    measured.stage,
    formatNumber(load.perSecond),
    formatNumber(load.p50Ms, 2),
    formatNumber(load.p99Ms, 2),
    measured.cpuMsPerRequest === null ? '-' : formatNumber(measured.cpuMsPerRequest, 2),
    formatNumber(measured.observationsPerSecond),
    formatNumber(measured.observationsPerRequest, 1),
    formatNumber(measured.droppedPerSecond),
    formatNumber(observations.outcomes.mismatched ?? 0),
  ]);
}

function ratioLine(label: string, ratio: QueryMeasurement['ratios']['shadow']): string {
  const cpu = ratio.cpu === null ? '' : `, ${formatNumber(ratio.cpu, 2)}x cpu/req`;
  return `  ${label.padEnd(15)}${formatNumber(ratio.throughput, 2)}x req/s, ${formatNumber(ratio.p99, 2)}x p99${cpu}`;
}

function queryLines(measured: QueryMeasurement): string[] {
  const differing = measured.stages.filter((stage) => !stage.sameAnswer).map((stage) => stage.stage);
  const failed = measured.stages.reduce((sum, stage) => sum + stage.load.failures, 0);
  const lost = measured.stages.reduce((sum, stage) => sum + stage.observations.lost, 0);
  return [
    `  ${measured.label}`,
    cells(COLUMNS.map(([title]) => title)),
    ...measured.stages.map(stageRow),
    ratioLine('shadow/legacy', measured.ratios.shadow),
    ratioLine('live/legacy', measured.ratios.live),
    `  ${formatNumber(failed)} requests failed, ${formatNumber(lost)} observations lost; ` +
      (differing.length === 0
        ? 'every stage answered as legacy'
        : `answers differ from legacy at ${differing.join(', ')}`),
  ];
}

/** The shadow report as a compact text table, at most 80 columns wide. */
export function formatShadowReport(report: ShadowBenchReport): string {
  const { machine, sizes } = report;
  const lines = [
    `figway shadow benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    `gateway over HTTP as alice, every unit at the stage, NODE_ENV=${report.nodeEnv ?? 'unset'};`,
    `${sizes.concurrency} keep-alive clients in a worker thread, closed loop; ${sizes.rounds} runs of ` +
      `${formatNumber(sizes.measureMs / 1000, 1)} s per`,
    'query and stage after warm-up, in rotating stage order;',
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: other processes competing`,
    'for the cores make req/s and p99 noisy; cpu ms/req much less so.',
    "cpu: the gateway thread's CPU (Apollo, resolvers, comparisons, PGlite; not",
    'PostgreSQL, not the clients); obs: comparisons judged; drop: candidate reads',
    `not started at the in-flight cap (${sizes.maxInFlight}); mism: comparisons that differed`,
  ];
  for (const engine of report.engines) {
    lines.push('', engine.engine);
    for (const query of engine.queries) lines.push(...queryLines(query));
  }
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
