import { AsyncLocalStorage } from 'node:async_hooks';
import type { BenchMachine } from './benchMachine.ts';
import { median } from './peerCells.ts';
import { formatNumber, type TableColumns, tableCells } from './reportTable.ts';

/** How long and how hard the QLDB part runs. */
export interface QldbBenchSizes {
  /** Interleaved rounds, each timing the driver and the in-process path once. */
  rounds: number;
  /** Transactions in flight at once, per path. */
  concurrency: number;
  /** The timed length of each phase. */
  measureMs: number;
  /** Untimed transactions before each timed phase, for this long. */
  warmUpMs: number;
}

/** Calls of one step and the time they took, summed; SQL time is the wait on statements sent from inside them. */
export interface StepTally {
  calls: number;
  ms: number;
  sqlMs: number;
  statements: number;
}

const NO_TALLY: StepTally = { calls: 0, ms: 0, sqlMs: 0, statements: 0 };

function addTally(sum: StepTally = NO_TALLY, tally: StepTally): StepTally {
  return {
    calls: sum.calls + tally.calls,
    ms: sum.ms + tally.ms,
    sqlMs: sum.sqlMs + tally.sqlMs,
    statements: sum.statements + tally.statements,
  };
}

/**
 * Wall time and SQL time per named step (a QLDB command, a ledger call), each step
 * run in its own async context so the SQL it awaits is charged to it even when eight
 * steps are in flight at once.
 */
export function stepTimings() {
  const slots = new AsyncLocalStorage<StepTally>();
  let steps = new Map<string, StepTally>();
  const add = (label: string, tally: StepTally) => {
    steps.set(label, addTally(steps.get(label), tally));
  };
  return {
    add,
    async timed<T>(label: string, run: () => Promise<T>): Promise<T> {
      const slot = { calls: 1, ms: 0, sqlMs: 0, statements: 0 };
      const began = performance.now();
      try {
        return await slots.run(slot, run);
      } finally {
        add(label, { ...slot, ms: performance.now() - began });
      }
    },
    /** Charges SQL time to the step whose context the statement was sent from. */
    sql(ms: number, statements: number) {
      const slot = slots.getStore();
      if (slot === undefined) return;
      slot.sqlMs += ms;
      slot.statements += statements;
    },
    /** The tallies since the last take; starts new ones. */
    take(): Map<string, StepTally> {
      const taken = steps;
      steps = new Map();
      return taken;
    },
  };
}

/** What stepTimings returns. */
export type StepTimings = ReturnType<typeof stepTimings>;

/** The step of a whole HTTP request in the endpoint's handler, from its arrival to its answer sent. */
export const HTTP = 'request (handler)';

/** One timed phase of one path. */
export interface PhaseRun {
  transactions: number;
  seconds: number;
  /** Milliseconds of each transaction the client saw complete. */
  latencies: number[];
  failures: number;
  firstFailure: string | null;
  /** This process's CPU (user and system, every thread) over the phase: driver, endpoint, ledger and pg client. */
  cpuMs: number;
  /** By step: HTTP (a request in the handler), each QLDB command, each ledger call. */
  steps: Record<string, StepTally>;
}

/** One step per transaction, over every timed round. */
export interface StepSummary {
  step: string;
  perTransaction: number;
  msPerCall: number;
  sqlMsPerCall: number;
  statementsPerCall: number;
}

/** One path (driver or in-process) over its rounds. */
export interface PathSummary {
  /** Transactions per second of each round, in order. */
  rounds: number[];
  /** The median of the rounds. */
  perSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The median over the rounds of this process's CPU per transaction. */
  cpuMsPerTransaction: number;
  failures: number;
  firstFailure: string | null;
  steps: StepSummary[];
}

/** What the QLDB part measured; `--json` prints it as `qldb`. */
export interface QldbBenchReport {
  machine: BenchMachine;
  /** The 1-minute load average before and after: other processes competing for the cores. */
  loadAverage: { before: number; after: number };
  sizes: QldbBenchSizes;
  /** One commitment as Ion binary (what the driver sends and the ledger stores) and as JSON text. */
  documentBytes: { ion: number; json: number };
  result: {
    driver: PathSummary;
    inProcess: PathSummary;
    /** Driver transactions run again after an OCC conflict or a retryable error. */
    retries: number;
    /** Revisions in the `commitments` table at the end. */
    documents: number;
  } | null;
  skipped: string[];
}

// Nearest-rank percentile of sorted values.
function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/** Medians and pooled percentiles of one path's timed phases, and its steps per transaction. */
export function summarizePath(runs: readonly PhaseRun[]): PathSummary {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const transactions = runs.reduce((sum, run) => sum + run.transactions, 0);
  const steps = new Map<string, StepTally>();
  for (const run of runs) {
    for (const [step, tally] of Object.entries(run.steps)) {
      steps.set(step, addTally(steps.get(step), tally));
    }
  }
  return {
    rounds: runs.map((run) => run.transactions / run.seconds),
    perSecond: median(runs.map((run) => run.transactions / run.seconds)),
    meanMs: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMsPerTransaction: median(runs.map((run) => run.cpuMs / run.transactions)),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    firstFailure: runs.find((run) => run.firstFailure !== null)?.firstFailure ?? null,
    steps: [...steps].map(([step, tally]) => ({
      step,
      perTransaction: tally.calls / transactions,
      msPerCall: tally.ms / tally.calls,
      sqlMsPerCall: tally.sqlMs / tally.calls,
      statementsPerCall: tally.statements / tally.calls,
    })),
  };
}

const PATH_COLUMNS: TableColumns = [
  ['path', 30],
  ['tx/s', 8],
  ['rounds', 22],
  ['p50 ms', 9],
  ['p99 ms', 9],
  ['cpu ms/tx', 11],
];

const STEP_COLUMNS: TableColumns = [
  ['step', 30],
  ['per tx', 8],
  ['ms', 8],
  ['sql ms', 9],
  ['stmts', 8],
  ['ms per tx', 11],
];

function pathRow(name: string, path: PathSummary): string {
  return tableCells(PATH_COLUMNS, [
    name,
    formatNumber(path.perSecond),
    path.rounds.map((rate) => formatNumber(rate)).join('/'),
    formatNumber(path.p50Ms, 1),
    formatNumber(path.p99Ms, 1),
    formatNumber(path.cpuMsPerTransaction, 2),
  ]);
}

function stepRow(step: StepSummary): string {
  return tableCells(STEP_COLUMNS, [
    step.step,
    formatNumber(step.perTransaction, 2),
    formatNumber(step.msPerCall, 2),
    formatNumber(step.sqlMsPerCall, 2),
    formatNumber(step.statementsPerCall, 1),
    formatNumber(step.msPerCall * step.perTransaction, 2),
  ]);
}

// Where a driver transaction's time went: inside the endpoint's handler, and outside it.
function driverBreakdown(driver: PathSummary): string[] {
  const http = driver.steps.find((step) => step.step === HTTP);
  const commands = driver.steps.filter((step) => step.step !== HTTP);
  const inHandler = http === undefined ? Number.NaN : http.msPerCall * http.perTransaction;
  const inCommands = commands.reduce((sum, step) => sum + step.msPerCall * step.perTransaction, 0);
  const sql = commands.reduce((sum, step) => sum + step.sqlMsPerCall * step.perTransaction, 0);
  return [
    `  a driver transaction: ${formatNumber(driver.meanMs, 2)} ms as the client saw it (mean), of which`,
    `    ${formatNumber(inHandler, 2)} ms inside the endpoint's handler over its ` +
      `${formatNumber(http?.perTransaction ?? Number.NaN, 2)} requests,`,
    `    ${formatNumber(inCommands, 2)} ms of that inside sendCommand, ${formatNumber(sql, 2)} ms of that awaiting SQL;`,
    `    ${formatNumber(driver.meanMs - inHandler, 2)} ms outside the handler: the driver, the SDK's signing and`,
    '    parsing, sockets, and waiting for the event loop the endpoint shares with the client',
  ];
}

// The handler's whole request first, then the commands as they first came.
const byStep = (steps: readonly StepSummary[]) =>
  [...steps].sort((a, b) => Number(b.step === HTTP) - Number(a.step === HTTP));

/** The QLDB part as text: both paths, their ratio, and where each one's time went, step by step. */
export function formatQldbReport(report: QldbBenchReport): string {
  const { machine, sizes, result } = report;
  const lines = [
    `figway QLDB endpoint benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    'on a fresh PostgreSQL database; each transaction inserts one Connect commitment',
    `(${report.documentBytes.ion} bytes as Ion binary, ${report.documentBytes.json} as JSON) and reads it back by id;`,
    `driver: amazon-qldb-driver-nodejs over HTTP to the endpoint in the same process, one driver,`,
    'executeLambda with INSERT INTO commitments ? and SELECT * FROM commitments WHERE id = ?;',
    'in-process: ledger.write of the same document as Ion, then ledger.currentOf;',
    `${sizes.concurrency} transactions in flight per path, ${sizes.rounds} interleaved rounds of ` +
      `${formatNumber(sizes.measureMs / 1000, 1)} s each after ${formatNumber(sizes.warmUpMs / 1000, 1)} s of warm-up;`,
    'tx/s: median of the rounds; p50/p99: client-observed latency over the rounds pooled;',
    'cpu ms/tx: this process (driver, endpoint, ledger, pg client; not PostgreSQL) per transaction;',
    `load average ${formatNumber(report.loadAverage.before, 1)} before, ${formatNumber(report.loadAverage.after, 1)} after, ` +
      `on ${machine.cores} cores.`,
  ];
  if (result !== null) {
    lines.push(
      '',
      tableCells(
        PATH_COLUMNS,
        PATH_COLUMNS.map(([title]) => title),
      ),
      pathRow('driver via the endpoint', result.driver),
      pathRow('in-process ledger calls', result.inProcess),
      `  driver/in-process ${formatNumber(result.driver.perSecond / result.inProcess.perSecond, 2)}x tx/s, ` +
        `${formatNumber(result.driver.cpuMsPerTransaction / result.inProcess.cpuMsPerTransaction, 2)}x CPU per transaction`,
      `  ${formatNumber(result.driver.failures)} driver and ${formatNumber(result.inProcess.failures)} in-process ` +
        `transactions failed, ${formatNumber(result.retries)} driver retries; ` +
        `${formatNumber(result.documents)} documents in the table at the end`,
    );
    const failure = result.driver.firstFailure ?? result.inProcess.firstFailure;
    if (failure !== null) lines.push(`    e.g. ${failure}`);
    lines.push(
      '',
      'where the time went, per call of each step (ms: wall time inside it; sql ms: its wait on SQL):',
      tableCells(
        STEP_COLUMNS,
        STEP_COLUMNS.map(([title]) => title),
      ),
      ...byStep(result.driver.steps).map(stepRow),
      ...result.inProcess.steps.map(stepRow),
      ...driverBreakdown(result.driver),
    );
  }
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
