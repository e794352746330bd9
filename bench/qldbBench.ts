import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import * as ion from 'ion-js';
import { pino } from 'pino';
import { testEngines } from '../harness/databases.ts';
import { ledgerId } from '../src/backends/ledger/appendTransaction.ts';
import { type Ledger, openLedger } from '../src/backends/ledger/openLedger.ts';
import { COMMANDS } from '../src/backends/ledger/qldb/qldbCommands.ts';
import type { Database, Transaction } from '../src/core/database.ts';
import { createQldbHandler } from '../src/server/qldb/qldbEndpoint.ts';
import { benchMachine } from './benchMachine.ts';
import { progress, seededRandom } from './measure.ts';
import {
  HTTP,
  type PhaseRun,
  type QldbBenchReport,
  type QldbBenchSizes,
  type StepTimings,
  stepTimings,
  summarizePath,
} from './qldbReport.ts';

const LEDGER = 'connect-commitments-ledger';
const TABLE = 'commitments';
const KEY = { accessKeyId: 'AKIAFIGWAYBENCH', secretAccessKey: 'bench-secret-for-the-qldb-endpoint' };
const ROLES = ['counterparty', 'witness', 'approver'] as const;
const STATUSES = ['draft', 'proposed', 'active'] as const;

const userId = (random: () => number) => `u-${Math.floor(random() * 1e9).toString(36)}`;

/** The `index`-th Connect commitment as the driver's application code writes it: about 1 KB as JSON. */
export function connectCommitment(index: number) {
  const random = seededRandom(index + 1);
  const createdAt = new Date(Date.UTC(2026, 0, 1) + index * 60_000);
  const creator = userId(random);
  return {
    id: `c-${index}`,
    title: `Service agreement ${index}: quarterly supplier audit`,
    description:
      'Quarterly delivery of the supplier audit report, payment within thirty days of each signed ' +
      'milestone review, and a service level of 99.9% uptime measured monthly.',
    type: 'service-agreement',
    status: STATUSES[index % STATUSES.length] ?? 'draft',
    createdAt,
    createdBy: creator,
    parties: [
      { userId: creator, role: 'creator' },
      ...ROLES.map((role) => ({ userId: userId(random), role })),
    ],
    terms: {
      months: 12 + (index % 48),
      deposit: new ion.Decimal(`${1000 + (index % 9000)}.50`),
      currency: 'EUR',
      renewal: 'Renews yearly unless either party gives ninety days notice in writing.',
    },
    documents: ['sow', 'nda'].map((name) => ({
      name: `${name}.pdf`,
      url: `https://files.example.com/commitments/c-${index}/${name}-v1.pdf`,
      uploadedAt: createdAt,
    })),
  };
}

/** `db` with every statement's wait (and a transaction's begin and commit) charged to the current step. */
function attributeSql(db: Database, timings: StepTimings): Database {
  async function timed<R>(statements: number, run: () => Promise<R>): Promise<R> {
    const began = performance.now();
    try {
      return await run();
    } finally {
      timings.sql(performance.now() - began, statements);
    }
  }
  const wrap = (tx: Transaction): Transaction => ({
    exec: (script) => tx.exec(script),
    query: (sql, params) => timed(1, () => tx.query(sql, params)),
  });
  return {
    engine: db.engine,
    query: (sql, params) => timed(1, () => db.query(sql, params)),
    async transaction(fn) {
      let inside = 0;
      const began = performance.now();
      try {
        return await db.transaction(async (tx) => {
          const entered = performance.now();
          try {
            return await fn(wrap(tx));
          } finally {
            inside = performance.now() - entered;
          }
        });
      } finally {
        timings.sql(performance.now() - began - inside, 0);
      }
    },
    pipeline: (statements) => timed(statements.length, () => db.pipeline(statements)),
    exec: (script) => db.exec(script),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}

// The step a QLDB request is: its command, and an ExecuteStatement's first word.
function commandLabel(request: unknown): string {
  if (typeof request !== 'object' || request === null) return 'malformed';
  const command = COMMANDS.find((name) => name in request) ?? 'malformed';
  const statement = (request as { ExecuteStatement?: { Statement?: string } }).ExecuteStatement?.Statement;
  return statement === undefined ? command : `${command} ${statement.split(' ')[0] ?? ''}`;
}

/** The endpoint's own handler on a server of the benchmark's, timing each request and each sendCommand. */
async function startTimedEndpoint(ledger: Ledger, timings: StepTimings) {
  const { handle, sessions } = createQldbHandler({
    ledgerName: LEDGER,
    ledger,
    keys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
    logger: pino({ level: 'silent' }),
  });
  const send = sessions.sendCommand.bind(sessions);
  sessions.sendCommand = (request) => timings.timed(commandLabel(request), () => send(request));
  const server = createServer((request, response) => {
    const began = performance.now();
    response.once('finish', () =>
      timings.add(HTTP, { calls: 1, ms: performance.now() - began, sqlMs: 0, statements: 0 }),
    );
    void handle(request, response);
  });
  // The in-process phase leaves the driver's sockets idle for seconds: keep them open.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, sessions };
}

/** Runs `transact` in `concurrency` closed loops until `durationMs` has passed. */
async function closedLoop(concurrency: number, durationMs: number, transact: () => Promise<void>) {
  const latencies: number[] = [];
  const failed = { count: 0, first: null as string | null };
  const began = performance.now();
  const deadline = began + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await transact();
        latencies.push(performance.now() - started);
      } catch (error) {
        failed.count += 1;
        failed.first ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { latencies, failed, seconds: (performance.now() - began) / 1000 };
}

async function timedPhase(transact: () => Promise<void>, sizes: QldbBenchSizes, timings: StepTimings) {
  await closedLoop(sizes.concurrency, sizes.warmUpMs, transact);
  timings.take();
  const cpu = process.cpuUsage();
  const { latencies, failed, seconds } = await closedLoop(sizes.concurrency, sizes.measureMs, transact);
  const used = process.cpuUsage(cpu);
  const run: PhaseRun = {
    transactions: latencies.length,
    seconds,
    latencies,
    failures: failed.count,
    firstFailure: failed.first,
    cpuMs: (used.user + used.system) / 1000,
    steps: Object.fromEntries(timings.take()),
  };
  return run;
}

/** The driver's transaction and the in-process one, each writing a new commitment and reading it back. */
function benchPaths(driver: QldbDriver, ledger: Ledger, timings: StepTimings) {
  let next = 0;
  const retries = { count: 0 };
  const driverTransaction = async () => {
    const commitment = connectCommitment(next++);
    let attempts = 0;
    await driver.executeLambda(async (txn) => {
      attempts += 1;
      if (attempts > 1) retries.count += 1;
      await txn.execute('INSERT INTO commitments ?', commitment);
      const read = await txn.execute('SELECT * FROM commitments WHERE id = ?', commitment.id);
      if (read.getResultList().length !== 1) throw new Error(`${commitment.id} not read back`);
    });
  };
  const inProcessTransaction = async () => {
    const bytes = ion.dumpBinary(connectCommitment(next++));
    const documentId = ledgerId();
    const write = { tableName: TABLE, documentId, data: null, ion: bytes, expectedVersion: null };
    await timings.timed('ledger.write', () => ledger.write([write]));
    const read = await timings.timed('ledger.currentOf', () => ledger.currentOf(TABLE, [documentId]));
    if (!read.has(documentId)) throw new Error(`${documentId} not read back`);
  };
  return { driverTransaction, inProcessTransaction, retries };
}

async function waitForSessionsToEnd(sessions: { readonly size: number }, deadlineMs: number) {
  const deadline = performance.now() + deadlineMs;
  while (sessions.size > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function benchOnLedger(ledger: Ledger, timings: StepTimings, sizes: QldbBenchSizes) {
  const endpoint = await startTimedEndpoint(ledger, timings);
  const driver = new QldbDriver(
    LEDGER,
    { endpoint: endpoint.url, region: 'us-east-1', credentials: KEY },
    {},
    sizes.concurrency,
    new RetryConfig(4, () => 5),
  );
  try {
    await driver.executeLambda(async (txn) => {
      await txn.execute(`CREATE TABLE ${TABLE}`);
      await txn.execute(`CREATE INDEX ON ${TABLE} (id)`);
    });
    const paths = benchPaths(driver, ledger, timings);
    const driverRuns: PhaseRun[] = [];
    const inProcessRuns: PhaseRun[] = [];
    for (let round = 0; round < sizes.rounds; round++) {
      const phases = [
        { name: 'driver', transact: paths.driverTransaction, runs: driverRuns },
        { name: 'in-process', transact: paths.inProcessTransaction, runs: inProcessRuns },
      ];
      // Interleaved rounds, the order alternating, so a slow spell of the machine hits both.
      if (round % 2 === 1) phases.reverse();
      for (const phase of phases) {
        progress(`qldb round ${round + 1}/${sizes.rounds}: ${phase.name}, ${sizes.concurrency} in flight`);
        phase.runs.push(await timedPhase(phase.transact, sizes, timings));
      }
    }
    const [count] = await ledger.db.query<{ n: number }>(
      'select count(*)::int as n from ledger.revisions where table_name = $1',
      [TABLE],
    );
    return { driverRuns, inProcessRuns, retries: paths.retries.count, documents: count?.n ?? 0 };
  } finally {
    driver.close();
    await waitForSessionsToEnd(endpoint.sessions, 2000);
    const closed = new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
    endpoint.server.closeAllConnections();
    await closed;
  }
}

/**
 * Measures, on a fresh PostgreSQL database and in interleaved rounds, transactions of
 * the unmodified QLDB driver against figway's QLDB endpoint (INSERT a commitment,
 * SELECT it by id) next to the same work as in-process ledger calls, with where the
 * driver's time goes. Without a reachable PostgreSQL it reports the part skipped.
 */
export async function benchQldb(sizes: QldbBenchSizes): Promise<QldbBenchReport> {
  const sample = ion.dumpBinary(connectCommitment(0));
  const report: QldbBenchReport = {
    machine: benchMachine(),
    loadAverage: { before: loadavg()[0] ?? 0, after: 0 },
    sizes,
    documentBytes: {
      ion: sample.length,
      json: Buffer.byteLength(JSON.stringify(ion.load(sample))),
    },
    result: null,
    skipped: [],
  };
  const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
  if (postgres === undefined) {
    report.skipped.push('qldb: PostgreSQL not reachable (FIGWAY_TEST_POSTGRES or 127.0.0.1:5432), skipped');
    return report;
  }
  progress('qldb: opening a fresh PostgreSQL database and a ledger');
  const created = await postgres.create();
  try {
    const timings = stepTimings();
    const ledger = await openLedger(attributeSql(created.db, timings));
    const measured = await benchOnLedger(ledger, timings, sizes);
    report.result = {
      driver: summarizePath(measured.driverRuns),
      inProcess: summarizePath(measured.inProcessRuns),
      retries: measured.retries,
      documents: measured.documents,
    };
  } finally {
    await created.drop();
  }
  report.loadAverage.after = loadavg()[0] ?? 0;
  return report;
}
