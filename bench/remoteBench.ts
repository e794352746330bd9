import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_POSTGRES_URL, testEngines } from '../harness/databases.ts';
import { demoUser } from '../harness/testGateway.ts';
import { signSupabaseToken } from '../src/server/signToken.ts';
import { type BenchMachine, benchMachine } from './benchMachine.ts';
import type { ChildServer } from './childServer.ts';
import type { LoadPlan } from './fireLoad.ts';
import { progress } from './measure.ts';
import {
  measureRemoteRun,
  REMOTE_SETTINGS,
  type RemoteRun,
  type RemoteSetting,
  type RemoteTarget,
} from './measureRemoteRun.ts';
import { checkAnswer, postQuery } from './peerAnswers.ts';
import { createProductionDatabases } from './productionDatabases.ts';
import { type RemoteCell, type RemoteRatio, remoteCell, remoteRatios } from './remoteCells.ts';
import { checkCommonFields, REMOTE_QUERIES, type RemoteQuery } from './remoteQueries.ts';
import { type RemoteServers, startRemoteServers } from './remoteServers.ts';
import { seedPeerCommitments } from './seedPeerCommitments.ts';

/** How long and how hard the remote benchmark drives each system. */
export interface RemoteBenchSizes {
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
  /** One answer in this many is compared byte for byte with the setting's reference. */
  checkEvery: number;
}

/** Everything one remote benchmark run measured; `--json` prints this object. */
export interface RemoteBenchReport {
  machine: BenchMachine;
  loadAverage: { before: number; after: number };
  sizes: RemoteBenchSizes;
  cells: RemoteCell[];
  ratios: RemoteRatio[];
  /** Wall-clock seconds of the whole part, setup included. */
  seconds: number;
  /** Why nothing was measured, when nothing was. */
  skipped: string[];
}

const ISSUER = 'http://127.0.0.1:54321/auth/v1';

function targetOf(setting: RemoteSetting, servers: RemoteServers): RemoteTarget {
  const figway = (reader: RemoteServers['inProcess'], stage: 'live' | 'complete'): RemoteTarget => ({
    setting,
    url: reader.url,
    pid: reader.server.pid,
    system: 'figway',
    figway: { reader, stage },
  });
  const stitched = (server: ChildServer): RemoteTarget => ({
    setting,
    url: server.url,
    pid: server.pid,
    system: 'stitched',
    figway: null,
  });
  switch (setting) {
    case 'in-process':
      return figway(servers.inProcess, 'live');
    case 'remote':
      return figway(servers.remote, 'live');
    case 'remote@complete':
      return figway(servers.remote, 'complete');
    case 'stitched':
      return stitched(servers.stitched);
    case 'stitched+dedup':
      return stitched(servers.stitchedDeduplicating);
  }
}

async function visit(target: RemoteTarget): Promise<void> {
  if (target.figway !== null) await target.figway.reader.moveTo(target.figway.stage);
}

const queryOf = (target: RemoteTarget, query: RemoteQuery) =>
  target.system === 'figway' ? query.figway : query.stitched;

// The body each setting's answers must equal: figway's in-process answer for every
// figway, the plain gateway's own first answer (checked against figway's on the fields
// both serve) for both plain gateways.
async function referenceAnswers(targets: readonly RemoteTarget[], token: string) {
  const references = new Map<string, string>();
  const key = (system: RemoteTarget['system'], query: RemoteQuery) => `${system} ${query.name}`;
  for (const system of ['figway', 'stitched'] as const) {
    const first = targets.find((target) => target.system === system);
    if (first === undefined) throw new Error(`no ${system} setting to take the reference answers from`);
    await visit(first);
    for (const query of REMOTE_QUERIES)
      references.set(key(system, query), await postQuery(first.url, token, queryOf(first, query)));
  }
  for (const query of REMOTE_QUERIES)
    checkCommonFields(
      query,
      references.get(key('figway', query)) ?? '',
      references.get(key('stitched', query)) ?? '',
    );
  return (target: RemoteTarget, query: RemoteQuery) => references.get(key(target.system, query)) ?? '';
}

async function runRounds(
  targets: readonly RemoteTarget[],
  services: readonly ChildServer[],
  token: string,
  sizes: RemoteBenchSizes,
): Promise<RemoteRun[]> {
  const expected = await referenceAnswers(targets, token);
  const plan = (target: RemoteTarget, query: RemoteQuery, seconds: number): LoadPlan => ({
    label: `${target.setting}, ${query.name}`,
    url: target.url,
    token,
    query: queryOf(target, query),
    connections: sizes.connections,
    seconds,
    expectedBody: expected(target, query),
    checkEvery: sizes.checkEvery,
  });
  for (const target of targets) {
    progress(`remote: checking the answers of ${target.setting}, and warming it up`);
    await visit(target);
    for (const query of REMOTE_QUERIES) {
      const answer = await postQuery(target.url, token, queryOf(target, query));
      checkAnswer(`${target.setting}, ${query.name}`, expected(target, query), answer);
      await measureRemoteRun(target, plan(target, query, sizes.warmUpSeconds), services, -1, query.name);
    }
  }
  const runs: RemoteRun[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    // Rotating the order spreads drift (JIT, caches, other processes) over every setting.
    const order = targets.map((_, index) => targets[(index + round) % targets.length]);
    for (const target of order) {
      if (target === undefined) continue;
      progress(`remote: round ${round + 1} of ${sizes.rounds}, ${target.setting}`);
      await visit(target);
      for (const query of REMOTE_QUERIES) {
        await measureRemoteRun(target, plan(target, query, sizes.switchWarmUpSeconds), services, round, '');
        const measured = plan(target, query, sizes.measureSeconds);
        runs.push(await measureRemoteRun(target, measured, services, round, query.name));
      }
    }
  }
  return runs;
}

/**
 * Puts figway's `live` stage with in-process targets next to the same with remote
 * targets (the ledger and OLTP services as child processes) and next to a plain
 * @graphql-tools/stitch gateway over the same services: fresh production databases on
 * PostgreSQL (the demo data plus `sizes.commitments` of alice's, backfilled), every
 * process a child in production mode, the services behind FIGWAY_SERVICE_KEY. Answers
 * are checked before and during the load; interleaved rounds time each query on each
 * setting. Without a reachable PostgreSQL the report has no cells and says why.
 */
export async function benchRemote(sizes: RemoteBenchSizes): Promise<RemoteBenchReport> {
  const started = performance.now();
  const [loadBefore = 0] = loadavg();
  const report = (cells: RemoteCell[], skipped: string[]): RemoteBenchReport => ({
    machine: benchMachine(),
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sizes,
    cells,
    ratios: remoteRatios(cells),
    seconds: (performance.now() - started) / 1000,
    skipped,
  });
  const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
  if (postgres === undefined)
    return report([], [`postgres: not reachable (${TEST_POSTGRES_URL}); the remote benchmark needs it`]);
  progress(`remote: creating, seeding (${sizes.commitments} more commitments) and backfilling the databases`);
  const databases = await createProductionDatabases(postgres, (db) =>
    seedPeerCommitments(db, sizes.commitments),
  );
  const dir = await mkdtemp(join(tmpdir(), 'figway-bench-remote-'));
  const children: ChildServer[] = [];
  try {
    const jwt = { secret: randomBytes(32).toString('base64url'), issuer: ISSUER };
    const sign = (name: string) =>
      signSupabaseToken(demoUser(name), jwt.secret, { issuer: ISSUER, ttlSeconds: 3600 });
    const [token, adminToken] = await Promise.all([sign('alice'), sign('admin')]);
    progress('remote: starting the two services, figway (in-process and remote) and the plain gateways');
    const servers = await startRemoteServers(
      { databases: databases.env, jwt, serviceKey: randomBytes(32).toString('hex'), dir, adminToken },
      children,
    );
    const targets = REMOTE_SETTINGS.map((setting) => targetOf(setting, servers));
    const services = [servers.services.ledger, servers.services.oltp];
    const runs = await runRounds(targets, services, token, sizes);
    const cells = REMOTE_SETTINGS.flatMap((setting) =>
      REMOTE_QUERIES.map((query) => remoteCell(setting, query.name, runs)),
    );
    return report(cells, []);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await databases.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
