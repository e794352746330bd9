import type { SubscriptionPhase } from './measureSubscriptionPhase.ts';
import type { SubscriptionRun } from './measureSubscriptionRun.ts';
import type { LagSummary } from './mirrorMetrics.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';
import {
  type EngineSubscriptionsResult,
  heapPer1000,
  type SubscriptionRatio,
  type SubscriptionsBenchReport,
} from './subscriptionsBench.ts';

const COLUMNS: TableColumns = [
  ['system', 10],
  ['subs', 6],
  ['phase', 7],
  ['ch/s', 6],
  ['got', 7],
  ['due', 8],
  ['lost', 6],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['cpu/1k', 8],
  ['net/1k', 8],
  ['MB/1k', 7],
];

const cells = (values: string[]) => tableCells(COLUMNS, values);

const orDash = (value: number | null, digits: number) => (value === null ? '-' : formatNumber(value, digits));

const megabytes = (bytes: number | null) => (bytes === null ? null : bytes / (1024 * 1024));

function phaseRow(run: SubscriptionRun, phase: SubscriptionPhase): string {
  return cells([
    run.system,
    formatNumber(run.subscribers),
    phase.phase,
    formatNumber(phase.stream.targetPerSecond),
    formatNumber(phase.stream.achievedPerSecond, 1),
    formatNumber(phase.expected),
    formatNumber(phase.missing),
    formatNumber(phase.latency.p50Ms, 1),
    formatNumber(phase.latency.p99Ms, 1),
    orDash(phase.cpuMsPer1000, 0),
    orDash(phase.netCpuMsPer1000, 0),
    phase.phase === 'steady' ? orDash(megabytes(heapPer1000(run)), 2) : '',
  ]);
}

function gatewayText(phase: SubscriptionPhase): string {
  const { gateway } = phase;
  if (gateway === null) return '';
  const lost = Object.entries(gateway.lost)
    .map(([reason, count]) => `${formatNumber(count)} ${reason}`)
    .join(', ');
  const summary = (lag: LagSummary | null) =>
    lag === null
      ? 'none'
      : `p50 ${formatNumber(lag.p50 * 1000, 1)} ms, p99 ${formatNumber(lag.p99 * 1000, 1)} ms`;
  return (
    `; figway counted ${formatNumber(gateway.sent)} sent, lost ${lost === '' ? 'none' : lost}; ` +
    `its histograms: commit to send ${summary(gateway.sendLatency)}, mirror lag to the ledger ${summary(gateway.mirrorLag)}`
  );
}

function controlText(phase: SubscriptionPhase): string {
  const { control } = phase;
  if (control === null) return 'not run';
  return `${formatNumber(control.changes)} changes, ${orDash(control.cpuMsPerChange, 2)} CPU ms each`;
}

function phaseLine(phase: SubscriptionPhase): string {
  const { stream } = phase;
  const failed =
    stream.failures === 0
      ? ''
      : ` (${formatNumber(stream.failures)} failed: ${stream.failureSamples.join('; ')})`;
  return (
    `    ${phase.phase}: ${formatNumber(stream.changes)} changes${failed}, sends at most ` +
    `${formatNumber(stream.maxBehindMs, 1)} ms behind schedule; ${formatNumber(phase.latency.requests)} received ` +
    `(max ${formatNumber(phase.latency.maxMs, 1)} ms), ${formatNumber(phase.extra)} extra, drained in ` +
    `${formatNumber(phase.drainMs)} ms; control: ${controlText(phase)}${gatewayText(phase)}`
  );
}

function memoryText(run: SubscriptionRun): string {
  const { memory } = run;
  const span = (before: number | null, after: number | null) =>
    before === null || after === null
      ? 'unknown'
      : `${formatNumber(megabytes(before) ?? 0, 1)} -> ${formatNumber(megabytes(after) ?? 0, 1)} MB ` +
        `(${formatNumber(((megabytes(after - before) ?? 0) * 1000) / run.subscribers, 1)} MB/1k)`;
  return `heap ${span(memory.heapBeforeBytes, memory.heapAfterBytes)}, RSS ${span(memory.rssBeforeBytes, memory.rssAfterBytes)}`;
}

function runLines(run: SubscriptionRun): string[] {
  const errors =
    run.subscriberErrors.count === 0
      ? 'no subscriber errors'
      : `${formatNumber(run.subscriberErrors.count)} subscriber errors: ${run.subscriberErrors.samples.join('; ')}`;
  return [
    `  ${run.system}, ${formatNumber(run.subscribers)} subscribers: ${run.sockets.join(' + ')} sockets on A + B, ` +
      `${run.active.map((count) => formatNumber(count)).join(' + ')} open in ${formatNumber(run.subscribeMs)} ms; ` +
      `${memoryText(run)}; ${errors}`,
    ...run.phases.map(phaseLine),
  ];
}

function ratioLine(ratio: SubscriptionRatio): string {
  const times = (value: number | null) => (value === null ? '-' : `${formatNumber(value, 1)}x`);
  return (
    `  ${formatNumber(ratio.subscribers)} ${ratio.phase}: p50 ${times(ratio.p50)}, p99 ${times(ratio.p99)}, ` +
    `net CPU per delivery ${times(ratio.netCpu)}, memory per subscription ${times(ratio.memory)}`
  );
}

function engineLines(engine: EngineSubscriptionsResult): string[] {
  return [
    `${engine.engine} + Redis`,
    cells(COLUMNS.map(([title]) => title)),
    ...engine.runs.flatMap((run) => run.phases.map((phase) => phaseRow(run, phase))),
    'figway over the baseline (above 1: figway takes more):',
    ...engine.ratios.map(ratioLine),
    ...engine.runs.flatMap(runLines),
  ];
}

/** The subscriptions report as a compact text table; the per-run lines wrap past 80 columns. */
export function formatSubscriptionsReport(report: SubscriptionsBenchReport): string {
  const { machine, sizes } = report;
  const lines = [
    `figway subscriptions benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    'each system as two instances on this machine fanning out through a redis-server of the',
    "benchmark's own; changes enter through instance A, half the sockets are on B.",
    'figway: two `figway serve` in production mode over PostgreSQL, every unit at legacy, the',
    "mirror's appliers on A only; a change is a plain SQL status move on legacy (DRAFT/PROPOSED",
    "in turn), captured by the triggers and published by A's applier, reaching B through",
    "Redis; each subscriber is the commitment's creator (a demo user, who created it through",
    'A): commitmentChanged(id) { id status updatedAt }.',
    'baseline: two bare graphql-ws servers (graphql-ws over ws, one subscription field, no',
    'authorization, no payload resolution), every event through Redis as graphql-redis-',
    "subscriptions does; a change is a POST to A's /publish.",
    `${formatNumber(sizes.commitments)} commitments, each with subs/${formatNumber(sizes.commitments)} subscriptions; ` +
      `${sizes.perSocket} subscriptions per socket (graphql-ws multiplexes);`,
    'sockets alternate A/B, held by two worker threads of the benchmark process;',
    `steady: ${sizes.steady.perSecond} changes/s for ${formatNumber(sizes.steady.durationMs / 1000, 1)} s, ` +
      `burst: ${sizes.burst.perSecond}/s for ${formatNumber(sizes.burst.durationMs / 1000, 1)} s, paced, ` +
      `round-robin, at most ${sizes.maxInFlight} in flight;`,
    'ch/s: target; got: achieved (committed changes, first send to last answer);',
    "due: deliveries due (each committed change times its commitment's subscriptions);",
    `lost: due but not received ${formatNumber(sizes.drainDeadlineMs / 1000)} s after the last change (must be 0);`,
    "p50/p99 ms: receipt at the subscriber minus the change's commit time (figway: the row's",
    "updated_at, its transaction's now(), ms precision; baseline: A's clock at the publish);",
    'cpu/1k: CPU ms of both instances per 1,000 deliveries, stream start to drain end (not',
    "PostgreSQL, Redis or the subscribers); net/1k: less the change path's own CPU (the same",
    'stream with nobody subscribed, run afterwards, per change); MB/1k: heap both instances',
    'gained per 1,000 subscriptions, each read after a full collection (RSS in the run lines);',
    "figway's own histograms (both instances, interpolated within buckets) are in the phase lines;",
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores: the instances, PostgreSQL, Redis and the subscribers share them.`,
  ];
  for (const engine of report.engines) lines.push('', ...engineLines(engine));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
