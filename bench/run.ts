import { benchEngines } from './benchEngines.ts';
import { benchMachine } from './benchMachine.ts';
import { type BenchReport, type EngineReport, engineReport, formatReport } from './benchReport.ts';
import { commitmentDocument } from './commitmentDocument.ts';
import { driveWrites } from './driveWrites.ts';
import { gatewayBenchReport } from './gatewayBenchReport.ts';
import { benchHashing } from './hashBench.ts';
import { instrumentDatabase } from './instrumentDatabase.ts';
import { benchLedger, type LedgerBenchSizes } from './ledgerBench.ts';
import { progress } from './measure.ts';
import { benchPeers, type PeersBenchSizes } from './peersBench.ts';
import { formatPeersReport } from './peersReport.ts';
import { benchQldb } from './qldbBench.ts';
import { formatQldbReport, type QldbBenchSizes } from './qldbReport.ts';
import { benchRemote, type RemoteBenchSizes } from './remoteBench.ts';
import { formatRemoteReport } from './remoteReport.ts';
import { benchSubscriptions, type SubscriptionsBenchSizes } from './subscriptionsBench.ts';
import { formatSubscriptionsReport } from './subscriptionsReport.ts';
import { benchWrites, type WritesBenchSizes } from './writesBench.ts';
import { formatWritesReport } from './writesReport.ts';

// Entry of `npm run bench`: the ledger on every reachable engine, against plain
// inserts on the same engine, then mutations through the gateway with the mirror
// running at legacy, dualwrite and live, then subscriptions delivered by two gateways
// through Redis next to a bare graphql-ws baseline, then figway's reads in production
// mode at legacy, shadow (sample rates 1 and 0.1), live and complete next to a bare
// Apollo peer on the same PostgreSQL data, then the unmodified QLDB driver against the
// ledger's QLDB endpoint next to in-process ledger calls, then the live stage with
// in-process and remote targets next to a plain stitched gateway, in one run.
// `--ledger`, `--writes`, `--subscriptions`, `--peers`, `--qldb` or `--remote` runs only
// that part (several may be given). `--json` prints the raw numbers instead of the tables
// (the first part's fields, plus `writes`, `subscriptions`, `peers`, `qldb` and `remote`);
// `--quick` runs a fraction of the work (a smoke run, not a result).
const args = new Set(process.argv.slice(2));
const scale = args.has('--quick') ? 0.1 : 1;
const everyPart = !['--ledger', '--writes', '--subscriptions', '--peers', '--qldb', '--remote'].some((part) =>
  args.has(part),
);
const runLedger = everyPart || args.has('--ledger');
const runWrites = everyPart || args.has('--writes');
const runSubscriptions = everyPart || args.has('--subscriptions');
const runPeers = everyPart || args.has('--peers');
const runQldb = everyPart || args.has('--qldb');
const runRemote = everyPart || args.has('--remote');

const sizes: LedgerBenchSizes = {
  single: Math.round(1500 * scale),
  batched: Math.round(4000 * scale),
  batchSize: 50,
  proofs: Math.round(300 * scale),
  batchedProofs: Math.round(100 * scale),
  warmUp: Math.round(200 * scale),
};
// Hashing 1000 revisions (about 50 µs each) gives a steady rate.
const hashedRevisions = Math.round(1000 * scale);

// The length of a timed phase of a gateway run: `--quick` shortens it, to no less than a fifth.
const timedMs = (milliseconds: number) => Math.round(milliseconds * Math.max(scale, 0.2));

// About 45 s per engine: 3 stages x 3 rounds of 3 s, plus warm-ups and drains.
const writesSizes: WritesBenchSizes = {
  concurrency: 8,
  rounds: 3,
  measureMs: timedMs(3000),
  warmUpMs: timedMs(1000),
  switchWarmUpMs: timedMs(500),
  attachEvery: 4,
  maxDocuments: 2,
  drainDeadlineMs: 30_000,
};

// About 2.5 minutes: 2 systems x 2 subscriber counts, each on fresh instances with a
// 3 s warm-up, 10 s at 50 changes/s and 2 s at 500/s over 100 commitments.
const subscriptionsSizes: SubscriptionsBenchSizes = {
  subscribers: [1000, 5000].map((count) => Math.round(count * scale)),
  commitments: 100,
  perSocket: 10,
  steady: { perSecond: 50, durationMs: timedMs(10_000) },
  burst: { perSecond: 500, durationMs: timedMs(2_000) },
  warmUpMs: timedMs(3_000),
  controlMs: timedMs(4_000),
  maxInFlight: 64,
  drainDeadlineMs: 20_000,
};

// About 6 minutes: 6 settings x 3 queries x 3 rounds of a 1 s warm-up and 4 s timed, plus a
// first 1 s warm-up of each, the databases and the servers' start.
const peersSizes: PeersBenchSizes = {
  rounds: scale < 1 ? 2 : 3,
  connections: 8,
  measureSeconds: scale < 1 ? 1 : 4,
  warmUpSeconds: 1,
  switchWarmUpSeconds: 1,
  commitments: 120,
  checkEvery: 10,
};

// About 50 s: 3 rounds of the driver and the in-process path, each 1.5 s warm-up and 6 s timed.
const qldbSizes: QldbBenchSizes = {
  rounds: 3,
  concurrency: 8,
  measureMs: timedMs(6000),
  warmUpMs: timedMs(1500),
};

// About 3.5 minutes: 5 settings x 2 queries x 3 rounds of a 1 s warm-up and 4 s timed, plus a
// first 1 s warm-up of each, the databases and the seven processes' start.
const remoteSizes: RemoteBenchSizes = {
  rounds: scale < 1 ? 2 : 3,
  connections: 8,
  measureSeconds: scale < 1 ? 1 : 4,
  warmUpSeconds: 1,
  switchWarmUpSeconds: 1,
  commitments: 40,
  checkEvery: 10,
};

function meanDocumentBytes(): number {
  let bytes = 0;
  for (let index = 0; index < 1000; index++) {
    bytes += Buffer.byteLength(JSON.stringify(commitmentDocument(index)));
  }
  return bytes / 1000;
}

async function ledgerReport(): Promise<BenchReport> {
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
  return {
    machine: benchMachine(),
    documentBytes: meanDocumentBytes(),
    batchSize: sizes.batchSize,
    hashing,
    engines: reports,
    skipped,
  };
}

async function main(): Promise<void> {
  const ledger = runLedger ? await ledgerReport() : null;
  const writes = runWrites ? await gatewayBenchReport(driveWrites, benchWrites, writesSizes) : null;
  const subscriptions = runSubscriptions ? await benchSubscriptions(subscriptionsSizes) : null;
  const peers = runPeers ? await benchPeers(peersSizes) : null;
  const qldb = runQldb ? await benchQldb(qldbSizes) : null;
  const remote = runRemote ? await benchRemote(remoteSizes) : null;
  if (args.has('--json')) {
    const first = ledger ?? writes ?? subscriptions ?? peers ?? qldb ?? remote;
    const json = {
      ...first,
      ...(writes === null || first === writes ? {} : { writes }),
      ...(subscriptions === null || first === subscriptions ? {} : { subscriptions }),
      ...(peers === null || first === peers ? {} : { peers }),
      ...(qldb === null || first === qldb ? {} : { qldb }),
      ...(remote === null || first === remote ? {} : { remote }),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const tables = [
    ledger === null ? null : formatReport(ledger),
    writes === null ? null : formatWritesReport(writes),
    subscriptions === null ? null : formatSubscriptionsReport(subscriptions),
    peers === null ? null : formatPeersReport(peers),
    qldb === null ? null : formatQldbReport(qldb),
    remote === null ? null : formatRemoteReport(remote),
  ];
  process.stdout.write(`${tables.filter((table) => table !== null).join('\n\n')}\n`);
}

await main();
