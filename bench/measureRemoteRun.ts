import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildServer } from './childServer.ts';
import type { FigwayReader } from './figwayReader.ts';
import { fireLoad, type LoadFigures, type LoadPlan } from './fireLoad.ts';
import { postgresCpuMs, processCpuMs, sumOverProcesses } from './processUsage.ts';
import { scrapeMetrics, sumOf } from './scrapeMetrics.ts';
import { readShadowCounters, total } from './shadowCounters.ts';
import type { BenchStage } from './stageFlags.ts';

/** A system the remote benchmark measures. */
export type RemoteSetting = 'in-process' | 'remote' | 'remote@complete' | 'stitched' | 'stitched+dedup';

/** Every setting, in the order the table prints them; each round visits them all, rotated. */
export const REMOTE_SETTINGS: readonly RemoteSetting[] = [
  'in-process',
  'remote',
  'remote@complete',
  'stitched',
  'stitched+dedup',
];

/** Where a setting is served: its URL and process, and for figway the reader and the stage to move it to. */
export interface RemoteTarget {
  setting: RemoteSetting;
  url: string;
  pid: number;
  /** figway answers the public schema; the plain stitched gateway the contracts'. */
  system: 'figway' | 'stitched';
  figway: { reader: FigwayReader; stage: BenchStage } | null;
}

/** One timed run of one query on one setting. */
export interface RemoteRun {
  setting: RemoteSetting;
  query: string;
  round: number;
  load: LoadFigures;
  /** CPU of the gateway's process (every thread) per request; null off Linux. */
  gatewayCpuMsPerRequest: number | null;
  /** CPU of the two services' processes per request; null off Linux. */
  servicesCpuMsPerRequest: number | null;
  /** CPU of every PostgreSQL process on the machine per request; null when none runs here. */
  databaseCpuMsPerRequest: number | null;
  /** CPU of the benchmark's own process (the load generator) per request. */
  loadCpuMsPerRequest: number;
  /** GraphQL requests the two services answered per request to the gateway. */
  serviceRequestsPerRequest: number;
}

const SETTLE_POLL_MS = 100;
const SETTLE_DEADLINE_MS = 10_000;

// GraphQL requests the services answered so far (figway_service_requests_total, every label).
async function serviceRequests(services: readonly ChildServer[]): Promise<number> {
  let sum = 0;
  for (const service of services)
    sum += sumOf(
      await scrapeMetrics(service.url.replace(/\/graphql$/, '/metrics')),
      'figway_service_requests_total',
    );
  return sum;
}

// A live figway compares legacy's answer after its own is sent: waits until no more
// comparisons are judged, so that none of one run's work spills into the next.
async function settle(reader: FigwayReader): Promise<void> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS;
  let last = -1;
  for (;;) {
    const now = total((await readShadowCounters(reader.metricsUrl)).comparisons);
    if (now === last || performance.now() > deadline) return;
    last = now;
    await sleep(SETTLE_POLL_MS);
  }
}

/**
 * Runs `plan` once against `target` and measures it: the load's figures, the CPU the
 * gateway's process, the services' processes, PostgreSQL and the load generator used
 * per request (read from /proc and process.cpuUsage before and after), and the
 * services' GraphQL requests per gateway request.
 */
export async function measureRemoteRun(
  target: RemoteTarget,
  plan: LoadPlan,
  services: readonly ChildServer[],
  round: number,
  query: string,
): Promise<RemoteRun> {
  const pids = services.map((service) => service.pid);
  const requestsBefore = await serviceRequests(services);
  const cpuNow = () => ({
    gateway: processCpuMs(target.pid),
    services: sumOverProcesses(pids, processCpuMs),
    database: postgresCpuMs(),
  });
  const cpuBefore = cpuNow();
  const loadBefore = process.cpuUsage();
  const load = await fireLoad(plan);
  const loadCpu = process.cpuUsage(loadBefore);
  const cpuAfter = cpuNow();
  const requestsAfter = await serviceRequests(services);
  if (target.figway !== null) await settle(target.figway.reader);
  const perRequest = (before: number | null, after: number | null) =>
    before === null || after === null ? null : (after - before) / load.requests;
  return {
    setting: target.setting,
    query,
    round,
    load,
    gatewayCpuMsPerRequest: perRequest(cpuBefore.gateway, cpuAfter.gateway),
    servicesCpuMsPerRequest: perRequest(cpuBefore.services, cpuAfter.services),
    databaseCpuMsPerRequest: perRequest(cpuBefore.database, cpuAfter.database),
    loadCpuMsPerRequest: (loadCpu.user + loadCpu.system) / 1000 / load.requests,
    serviceRequestsPerRequest: (requestsAfter - requestsBefore) / load.requests,
  };
}
