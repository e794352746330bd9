import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_POSTGRES_URL, testEngines } from '../harness/databases.ts';
import { demoUser } from '../harness/testGateway.ts';
import { signSupabaseToken } from '../src/server/signToken.ts';
import { type BenchMachine, benchMachine } from './benchMachine.ts';
import type { ChildServer } from './childServer.ts';
import type { LoadPlan } from './fireLoad.ts';
import { progress } from './measure.ts';
import { measurePeerRun, PEER_SETTINGS, type PeerRun, type PeerTarget } from './measurePeerRun.ts';
import { checkAnswer, commitmentsSeen, postQuery } from './peerAnswers.ts';
import {
  type PeerCeiling,
  type PeerCell,
  type PeerRatio,
  peerCeiling,
  peerCell,
  peerRatio,
} from './peerCells.ts';
import { PEER_QUERIES, type PeerQuery } from './peerQueries.ts';
import { startPeerServers, targetOf, visit } from './peerServers.ts';
import { createProductionDatabases } from './productionDatabases.ts';
import { seedPeerCommitments } from './seedPeerCommitments.ts';

/** How long and how hard the peers benchmark drives each system. */
export interface PeersBenchSizes {
  /** Interleaved rounds; each visits every setting, in an order rotated by one per round. */
  rounds: number;
  /** Keep-alive connections of the load generator. */
  connections: number;
  /** Length of one timed run, in whole seconds. */
  measureSeconds: number;
  /** Unmeasured load per setting and query before the first round. */
  warmUpSeconds: number;
  /** Unmeasured load before each timed run. */
  switchWarmUpSeconds: number;
  /** Commitments added to the demo data, every one visible to alice. */
  commitments: number;
  /** One answer in this many is compared byte for byte with figway's at legacy. */
  checkEvery: number;
}

/** Everything one peers benchmark run measured; `--json` prints this object. */
export interface PeersBenchReport {
  machine: BenchMachine;
  nodeEnv: string | null;
  loadAverage: { before: number; after: number };
  sizes: PeersBenchSizes;
  /** Commitments alice sees (at least 100 by design). */
  visible: number;
  cells: PeerCell[];
  /** figway at legacy over the bare peer, and every other figway setting over figway at legacy. */
  ratios: PeerRatio[];
  /** Per query, the best `shadow`@1 and `live` could do here if figway's work for the candidate were free. */
  ceilings: PeerCeiling[];
  /** Wall-clock seconds of the whole part, setup included. */
  seconds: number;
  /** Why nothing was measured, when nothing was. */
  skipped: string[];
}

const ISSUER = 'http://127.0.0.1:54321/auth/v1';

function ratiosOf(cells: readonly PeerCell[]): PeerRatio[] {
  return PEER_QUERIES.flatMap((query) => [
    peerRatio(cells, query.name, 'legacy', 'bare'),
    ...(['shadow@1', 'shadow@0.1', 'live', 'complete'] as const).map((setting) =>
      peerRatio(cells, query.name, setting, 'legacy'),
    ),
  ]);
}

interface Running {
  targets: PeerTarget[];
  token: string;
  countStored: () => Promise<number>;
}

type Plan = (target: PeerTarget, query: PeerQuery, seconds: number) => LoadPlan;

// Figway's answers at legacy, which every other answer must equal.
async function referenceAnswers(targets: readonly PeerTarget[], token: string): Promise<Map<string, string>> {
  const legacy = targets.find((target) => target.setting === 'legacy');
  if (legacy === undefined) throw new Error('no figway at legacy to take the reference answers from');
  await visit(legacy);
  const answers = new Map<string, string>();
  for (const query of PEER_QUERIES) {
    const body = await postQuery(legacy.url, token, query.query);
    checkAnswer(`figway at legacy, ${query.name}`, body, body);
    answers.set(query.name, body);
  }
  return answers;
}

// Before any timing: one answer of each setting and query must equal the reference; then a warm-up.
async function checkAndWarmUp(
  running: Running,
  references: Map<string, string>,
  plan: Plan,
  seconds: number,
) {
  for (const target of running.targets) {
    progress(`peers: checking the answers of ${target.setting}, and warming it up`);
    await visit(target);
    for (const query of PEER_QUERIES) {
      const answer = await postQuery(target.url, running.token, query.query);
      checkAnswer(`${target.setting}, ${query.name}`, references.get(query.name) ?? '', answer);
      await measurePeerRun(target, plan(target, query, seconds), -1, query.name, running.countStored);
    }
  }
}

async function runRounds(running: Running, sizes: PeersBenchSizes): Promise<PeerRun[]> {
  const { targets, token, countStored } = running;
  const references = await referenceAnswers(targets, token);
  const plan: Plan = (target, query, seconds) => ({
    label: `${target.setting}, ${query.name}`,
    url: target.url,
    token,
    query: query.query,
    connections: sizes.connections,
    seconds,
    expectedBody: references.get(query.name) ?? '',
    checkEvery: sizes.checkEvery,
  });
  await checkAndWarmUp(running, references, plan, sizes.warmUpSeconds);
  const runs: PeerRun[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    // Rotating the order spreads drift (JIT, caches, other processes) over every setting.
    const order = targets.map((_, index) => targets[(index + round) % targets.length]);
    for (const target of order) {
      if (target === undefined) continue;
      progress(`peers: round ${round + 1} of ${sizes.rounds}, ${target.setting}`);
      await visit(target);
      for (const query of PEER_QUERIES) {
        // Measured and settled too, so that its comparisons are stored before the timed run starts.
        await measurePeerRun(
          target,
          plan(target, query, sizes.switchWarmUpSeconds),
          round,
          query.name,
          countStored,
        );
        const measured = plan(target, query, sizes.measureSeconds);
        runs.push(await measurePeerRun(target, measured, round, query.name, countStored));
      }
    }
  }
  return runs;
}

/**
 * Puts figway next to a bare Apollo peer on the same PostgreSQL data: fresh production
 * databases (the demo data plus `sizes.commitments` of alice's, backfilled to the
 * targets), two `figway serve` processes in production mode (every unit's sample rate 1,
 * and 0.1), and the bare peer, each a child process. Every answer must equal figway's
 * at legacy; then interleaved rounds time each query on each setting. Without a
 * reachable PostgreSQL the report has no cells and says why.
 */
export async function benchPeers(sizes: PeersBenchSizes): Promise<PeersBenchReport> {
  const started = performance.now();
  const [loadBefore = 0] = loadavg();
  const report = (cells: PeerCell[], visible: number, skipped: string[]): PeersBenchReport => ({
    machine: benchMachine(),
    nodeEnv: process.env.NODE_ENV ?? null,
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sizes,
    visible,
    cells,
    ratios: ratiosOf(cells),
    ceilings: PEER_QUERIES.map((query) => peerCeiling(cells, query.name)),
    seconds: (performance.now() - started) / 1000,
    skipped,
  });
  const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
  if (postgres === undefined)
    return report([], 0, [`postgres: not reachable (${TEST_POSTGRES_URL}); the peers benchmark needs it`]);
  progress(`peers: creating, seeding (${sizes.commitments} more commitments) and backfilling the databases`);
  const databases = await createProductionDatabases(postgres, (db) =>
    seedPeerCommitments(db, sizes.commitments),
  );
  const dir = await mkdtemp(join(tmpdir(), 'figway-bench-peers-'));
  const observations = new pg.Pool({ connectionString: databases.env.OBSERVATIONS_DATABASE_URL, max: 1 });
  observations.on('error', (error) => progress(`peers: observation store connection lost: ${error.message}`));
  const children: ChildServer[] = [];
  try {
    const jwt = { secret: randomBytes(32).toString('base64url'), issuer: ISSUER };
    const sign = (name: string) =>
      signSupabaseToken(demoUser(name), jwt.secret, { issuer: ISSUER, ttlSeconds: 3600 });
    const [token, adminToken] = await Promise.all([sign('alice'), sign('admin')]);
    progress('peers: starting figway (sample rates 1 and 0.1) and the bare peer');
    const servers = await startPeerServers({ databases: databases.env, jwt, dir, adminToken }, children);
    const targets = PEER_SETTINGS.map((setting) => targetOf(setting, servers));
    const countStored = async () =>
      (await observations.query<{ n: number }>('select count(*)::int as n from observations.observations'))
        .rows[0]?.n ?? 0;
    const visible = await commitmentsSeen(servers.full.url, token);
    if (visible < 100) throw new Error(`alice sees ${visible} commitments; the benchmark needs at least 100`);
    const runs = await runRounds({ targets, token, countStored }, sizes);
    const cells = PEER_SETTINGS.flatMap((setting) =>
      PEER_QUERIES.map((query) => peerCell(setting, query.name, runs)),
    );
    return report(cells, visible, []);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await observations.end();
    await databases.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
