import type { RemoteSetting } from './measureRemoteRun.ts';
import type { RemoteBenchReport } from './remoteBench.ts';
import type { RemoteCell, RemoteRatio } from './remoteCells.ts';
import { REMOTE_QUERIES } from './remoteQueries.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';

const NAMES: Record<RemoteSetting, string> = {
  'in-process': 'figway, in-process',
  remote: 'figway, remote',
  'remote@complete': 'remote, complete',
  stitched: 'plain stitched',
  'stitched+dedup': 'stitched, dedup on',
};

const COLUMNS: TableColumns = [
  ['setting', 22],
  ['req/s', 8],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['gw cpu', 8],
  ['all cpu', 9],
  ['pg cpu', 8],
  ['machine', 9],
  ['svc req', 9],
];

const RATIO_COLUMNS: TableColumns = [
  ['ratios', 42],
  ['req/s', 8],
  ['p99', 8],
  ['aim', 8],
];

const cpu = (value: number | null) => (value === null ? '-' : formatNumber(value, 2));

function cellRow(cell: RemoteCell): string {
  return tableCells(COLUMNS, [
    NAMES[cell.setting],
    formatNumber(cell.perSecond),
    formatNumber(cell.p50Ms, 2),
    formatNumber(cell.p99Ms, 2),
    cpu(cell.gatewayCpuMsPerRequest),
    cpu(cell.totalCpuMsPerRequest),
    cpu(cell.databaseCpuMsPerRequest),
    cpu(cell.machineCpuMsPerRequest),
    formatNumber(cell.serviceRequestsPerRequest, 2),
  ]);
}

function ratioRow(ratio: RemoteRatio): string {
  return tableCells(RATIO_COLUMNS, [
    `${NAMES[ratio.setting]} / ${NAMES[ratio.over]}`,
    `${formatNumber(ratio.throughput, 2)}x`,
    `${formatNumber(ratio.p99, 2)}x`,
    ratio.aim === null ? '' : `>= ${formatNumber(ratio.aim, 1)}x`,
  ]);
}

function queryLines(report: RemoteBenchReport, name: string, label: string): string[] {
  const cells = report.cells.filter((cell) => cell.query === name);
  return [
    '',
    `${label} (${formatNumber(cells.reduce((sum, cell) => sum + cell.checked, 0))} answers checked, all equal)`,
    tableCells(
      COLUMNS,
      COLUMNS.map(([title]) => title),
    ),
    ...cells.map(cellRow),
    tableCells(
      RATIO_COLUMNS,
      RATIO_COLUMNS.map(([title]) => title),
    ),
    ...report.ratios.filter((ratio) => ratio.query === name).map(ratioRow),
  ];
}

/** The remote report as text tables, about 100 columns wide. */
export function formatRemoteReport(report: RemoteBenchReport): string {
  const { machine, sizes } = report;
  const lines = [
    `figway with remote targets: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    'every unit at live (shadow-reading legacy at sample rate 1) with in-process targets and with the ledger',
    'and OLTP services as its targets; a plain @graphql-tools/stitch gateway over the same services;',
    `autocannon as alice, ${sizes.connections} keep-alive connections; medians of ${sizes.rounds} interleaved rounds of ` +
      `${sizes.measureSeconds} s per setting and query; took ${formatNumber(report.seconds)} s;`,
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: other processes competing for them make the figures noisy.`,
    "gw cpu: the gateway process's CPU ms per request; all cpu: the gateway's and both services'; pg cpu:",
    "every PostgreSQL process's; machine: all cpu, pg cpu and the load generator's together (requests/s",
    'goes as its inverse); svc req: GraphQL requests the services answered per request to the gateway.',
  ];
  for (const query of REMOTE_QUERIES) lines.push(...queryLines(report, query.name, query.label));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
