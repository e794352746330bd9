import { availableParallelism, cpus } from 'node:os';
import { benchEngines } from './benchEngines.ts';
import { type BenchReport, type EngineReport, engineReport, formatReport } from './benchReport.ts';
import { commitmentDocument } from './commitmentDocument.ts';
import { benchHashing } from './hashBench.ts';
import { instrumentDatabase } from './instrumentDatabase.ts';
import { benchLedger, type LedgerBenchSizes } from './ledgerBench.ts';
import { progress } from './measure.ts';

// Entry of `npm run bench`: the ledger on every reachable engine, against plain
// inserts on the same engine, in one run. `--json` prints the raw numbers instead
// of the table; `--quick` runs a tenth of the work (a smoke run, not a result).
const args = new Set(process.argv.slice(2));
const scale = args.has('--quick') ? 0.1 : 1;

const sizes: LedgerBenchSizes = {
  single: Math.round(1500 * scale),
  batched: Math.round(4000 * scale),
  batchSize: 50,
  proofs: Math.round(300 * scale),
  batchedProofs: Math.round(100 * scale),
  warmUp: Math.round(200 * scale),
};
// Ion hashing takes milliseconds per revision, so 1000 revisions give a steady rate.
const hashedRevisions = Math.round(1000 * scale);

function meanDocumentBytes(): number {
  let bytes = 0;
  for (let index = 0; index < 1000; index++) {
    bytes += Buffer.byteLength(JSON.stringify(commitmentDocument(index)));
  }
  return bytes / 1000;
}

async function main(): Promise<void> {
  progress(`hashing ${hashedRevisions} revisions (CPU only)`);
  const hashing = await benchHashing(hashedRevisions, sizes.batchSize);
  const { engines, skipped } = await benchEngines();
  const reports: EngineReport[] = [];
  for (const engine of engines) {
    progress(`${engine.name}: opening a fresh database`);
    const { db, drop } = await engine.create();
    try {
      reports.push(engineReport(engine.name, await benchLedger(instrumentDatabase(db), sizes)));
    } finally {
      await drop();
    }
  }
  const report: BenchReport = {
    machine: { node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' },
    documentBytes: meanDocumentBytes(),
    batchSize: sizes.batchSize,
    hashing,
    engines: reports,
    skipped,
  };
  process.stdout.write(`${args.has('--json') ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
}

await main();
