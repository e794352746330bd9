import type { HashBenchResult } from './hashBench.ts';
import type { LedgerBenchResult, ProofResult, WriteResult } from './ledgerBench.ts';
import type { Measurement } from './measure.ts';

/** The ledger benchmark on one engine, with the ratios derived from it. */
export interface EngineReport {
  engine: string;
  result: LedgerBenchResult;
  /** Ledger documents per second over plain inserts per second, 1 document per transaction. */
  ratioSingle: number;
  /** The same at `batchSize` documents per transaction. */
  ratioBatched: number;
}

/** Everything one `npm run bench` measured; `--json` prints this object. */
export interface BenchReport {
  machine: { node: string; cores: number; cpu: string };
  /** Mean JSON size of a benchmark commitment, in bytes. */
  documentBytes: number;
  batchSize: number;
  hashing: HashBenchResult;
  engines: EngineReport[];
  /** Engines not measured, with the reason. */
  skipped: string[];
}

/** The ratios of one engine's ledger appends to its plain inserts. */
export function engineReport(engine: string, result: LedgerBenchResult): EngineReport {
  return {
    engine,
    result,
    ratioSingle: result.ledgerSingle.measurement.perSecond / result.plainSingle.measurement.perSecond,
    ratioBatched: result.ledgerBatched.measurement.perSecond / result.plainBatched.measurement.perSecond,
  };
}

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function row(label: string, measurement: Measurement, note = ''): string {
  return [
    `  ${label}`.padEnd(32),
    number(measurement.operations).padStart(6),
    number(measurement.perSecond, 1).padStart(12),
    number(measurement.microsPerOperation, 1).padStart(11),
    note.padStart(14),
  ].join('');
}

const perTx = (count: number) => (count === 1 ? '1 doc/tx' : `${count} docs/tx`);

function writeRow(what: string, write: WriteResult): string {
  return row(
    `${what}, ${perTx(write.documentsPerTransaction)}`,
    write.measurement,
    `${number(write.statementsPerDocument, 1)} stmts`,
  );
}

function proofRow(label: string, proofs: ProofResult): string {
  return row(label, proofs.measurement, `${number(proofs.averageLength, 1)} hashes`);
}

// Microseconds per document split, in the same run, into the time spent waiting on
// SQL (statements, begin, commit, as the instrumented database tallies them) and
// the JavaScript between those waits; beside them the hashing of a block measured
// alone on the same documents, which is part of that JavaScript.
function splitRow(label: string, write: WriteResult, hashing: Measurement | null): string {
  const total = write.measurement.microsPerOperation;
  const sql = write.sqlMicrosPerDocument;
  const cells = [number(total), number(sql), number(total - sql)];
  if (hashing !== null) {
    cells.push(number(hashing.microsPerOperation), `${number((hashing.microsPerOperation / total) * 100)}%`);
  }
  return `  ${label}`.padEnd(32) + cells.map((cell) => cell.padStart(9)).join('');
}

const SPLIT_HEADER =
  '  where the time goes, us/doc'.padEnd(32) +
  ['total', 'sql', 'js', 'hashing', 'hash %'].map((cell) => cell.padStart(9)).join('');

function engineLines(report: EngineReport, hashing: HashBenchResult, batchSize: number): string[] {
  const r = report.result;
  return [
    `${report.engine}`.padEnd(32) +
      'n'.padStart(6) +
      'per second'.padStart(12) +
      'us each'.padStart(11) +
      'per op'.padStart(14),
    writeRow('plain insert', r.plainSingle),
    writeRow('ledger append', r.ledgerSingle),
    writeRow('plain insert', r.plainBatched),
    writeRow('ledger append', r.ledgerBatched),
    proofRow('revision proof, 1-doc block', r.proofsSingle),
    proofRow(`revision proof, ${batchSize}-doc block`, r.proofsBatched),
    row('verifyRevision (CPU)', r.verification),
    `  ledger appends run at ${number(report.ratioSingle, 2)}x plain inserts at 1 doc/tx, ` +
      `${number(report.ratioBatched, 2)}x at ${perTx(batchSize)}`,
    SPLIT_HEADER,
    splitRow('plain insert, 1 doc/tx', r.plainSingle, null),
    splitRow('ledger append, 1 doc/tx', r.ledgerSingle, hashing.blockHashingSingle),
    splitRow(`plain insert, ${perTx(batchSize)}`, r.plainBatched, null),
    splitRow(`ledger append, ${perTx(batchSize)}`, r.ledgerBatched, hashing.blockHashingBatched),
    '  (js: time outside SQL waits; hashing: measured alone, part of js)',
    `  (${number(r.blocks)} blocks in the journal at the end)`,
  ];
}

/** The report as a compact text table, at most 80 columns wide. */
export function formatReport(report: BenchReport): string {
  const { machine, hashing, batchSize } = report;
  const lines = [
    `figway ledger benchmark: Node ${machine.node}, ${machine.cores} cores, ${machine.cpu}`,
    `commitment documents of ${number(report.documentBytes)} bytes of JSON; wall-clock times`,
    '',
    'hashing alone (CPU, no SQL)'.padEnd(32) +
      'n'.padStart(6) +
      'per second'.padStart(12) +
      'us each'.padStart(11),
    row('revisionHash', hashing.revisionHash),
    row('block hashing, 1 doc/block', hashing.blockHashingSingle, 'per doc'),
    row(`block hashing, ${batchSize} docs/block`, hashing.blockHashingBatched, 'per doc'),
  ];
  for (const engine of report.engines) lines.push('', ...engineLines(engine, hashing, batchSize));
  for (const note of report.skipped) lines.push('', `note: ${note}`);
  return lines.map((line) => line.trimEnd()).join('\n');
}
