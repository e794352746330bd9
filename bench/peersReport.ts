import type { PeerSetting } from './measurePeerRun.ts';
import type { PeerCeiling, PeerCell, PeerRatio } from './peerCells.ts';
import { PEER_QUERIES } from './peerQueries.ts';
import type { PeersBenchReport } from './peersBench.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';

const NAMES: Record<PeerSetting, string> = {
  bare: 'bare Apollo',
  legacy: 'figway legacy',
  'shadow@1': 'shadow @1',
  'shadow@0.1': 'shadow @0.1',
  live: 'live',
  complete: 'complete',
};

const COLUMNS: TableColumns = [
  ['setting', 16],
  ['req/s', 8],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['cpu ms/req', 11],
  ['pg ms/req', 10],
  ['obs', 9],
  ['skipped', 9],
  ['share', 7],
  ['rate', 6],
  ['lost', 6],
  ['stored', 9],
];

const RATIO_COLUMNS: TableColumns = [
  ['ratios', 22],
  ['req/s', 8],
  ['p99', 8],
  ['cpu/req', 9],
  ['all cpu/req', 12],
];

const count = (value: number | undefined) => (value === undefined ? '-' : formatNumber(value));
const share = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : formatNumber(value, 2);
const times = (value: number | null) => (value === null ? '-' : `${formatNumber(value, 2)}x`);
const milliseconds = (value: number | null) => (value === null ? '-' : formatNumber(value, 2));

function cellRow(cell: PeerCell): string {
  const { shadow } = cell;
  const skipped = shadow === null ? undefined : Object.values(shadow.skipped).reduce((sum, n) => sum + n, 0);
  return tableCells(COLUMNS, [
    NAMES[cell.setting],
    formatNumber(cell.perSecond),
    formatNumber(cell.p50Ms, 2),
    formatNumber(cell.p99Ms, 2),
    milliseconds(cell.cpuMsPerRequest),
    milliseconds(cell.databaseCpuMsPerRequest),
    count(shadow?.comparisons),
    count(skipped),
    share(shadow?.comparedShare),
    share(shadow?.sampleRate),
    count(shadow?.lost),
    count(shadow?.stored),
  ]);
}

function ratioRow(ratio: PeerRatio): string {
  return tableCells(RATIO_COLUMNS, [
    `${NAMES[ratio.setting]} / ${ratio.over === 'bare' ? 'bare' : 'legacy'}`,
    times(ratio.throughput),
    times(ratio.p99),
    times(ratio.cpu),
    times(ratio.machineCpu),
  ]);
}

// Why samples were skipped, for the settings that skipped any.
function skippedLines(cells: readonly PeerCell[]): string[] {
  return cells.flatMap((cell) => {
    const reasons = Object.entries(cell.shadow?.skipped ?? {}).filter(([, n]) => n > 0);
    if (reasons.length === 0) return [];
    return [
      `  ${NAMES[cell.setting]} skipped: ${reasons.map(([reason, n]) => `${reason} ${formatNumber(n)}`).join(', ')}`,
    ];
  });
}

// What the candidate's database work alone leaves of legacy's requests/s here.
function ceilingLines(ceiling: PeerCeiling | undefined): string[] {
  if (ceiling === undefined || ceiling.shadow === null || ceiling.live === null) return [];
  return [
    `  ceilings here, were figway's own work for the candidate free: shadow @1 ${times(ceiling.shadow)},` +
      ` live ${times(ceiling.live)} legacy`,
  ];
}

function queryLines(report: PeersBenchReport, name: string, label: string): string[] {
  const cells = report.cells.filter((cell) => cell.query === name);
  const unsettled = cells.reduce((sum, cell) => sum + (cell.shadow?.unsettledRuns ?? 0), 0);
  return [
    '',
    `${label} (${formatNumber(cells.reduce((sum, cell) => sum + cell.checked, 0))} answers checked, all equal)`,
    tableCells(
      COLUMNS,
      COLUMNS.map(([title]) => title),
    ),
    ...cells.map(cellRow),
    ...skippedLines(cells),
    ...(unsettled === 0 ? [] : [`  ${unsettled} runs still had observations unstored at the deadline`]),
    tableCells(
      RATIO_COLUMNS,
      RATIO_COLUMNS.map(([title]) => title),
    ),
    ...report.ratios.filter((ratio) => ratio.query === name).map(ratioRow),
    ...ceilingLines(report.ceilings.find((ceiling) => ceiling.query === name)),
  ];
}

/** The peers report as text tables, about 100 columns wide. */
export function formatPeersReport(report: PeersBenchReport): string {
  const { machine, sizes } = report;
  const lines = [
    `figway next to a bare Apollo peer: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    `figway in production mode and the peer on the same PostgreSQL legacy data, as alice (she sees ` +
      `${formatNumber(report.visible)} commitments);`,
    `autocannon, ${sizes.connections} keep-alive connections; medians of ${sizes.rounds} interleaved rounds of ` +
      `${sizes.measureSeconds} s per setting and query; took ${formatNumber(report.seconds)} s;`,
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: other processes competing for them make the figures noisy.`,
    "cpu: the server process's CPU (every thread) per request; pg: every PostgreSQL process's; all cpu:",
    "the server's, PostgreSQL's and the load generator's together; obs: comparisons run; skipped: samples",
    'not taken; share: comparisons / (comparisons + samples skipped for a full queue); rate: effective',
    'sample rate (the gauge, - when not reported); lost: observations lost; stored: rows stored.',
  ];
  for (const query of PEER_QUERIES) lines.push(...queryLines(report, query.name, query.label));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
