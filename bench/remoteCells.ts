import type { RemoteRun, RemoteSetting } from './measureRemoteRun.ts';
import { median } from './peerCells.ts';
import { REMOTE_QUERIES } from './remoteQueries.ts';

/** One query on one setting: the medians of its runs, one per round. */
export interface RemoteCell {
  setting: RemoteSetting;
  query: string;
  runs: RemoteRun[];
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  gatewayCpuMsPerRequest: number | null;
  /** The gateway's and the two services' CPU per request; PostgreSQL's is not counted. */
  totalCpuMsPerRequest: number | null;
  /** PostgreSQL's CPU per request (every database: legacy, the targets', the observation store). */
  databaseCpuMsPerRequest: number | null;
  /**
   * The machine's CPU per request: the gateway's, the services', PostgreSQL's and the
   * load generator's. On a machine they keep busy, requests/s goes as its inverse.
   */
  machineCpuMsPerRequest: number | null;
  serviceRequestsPerRequest: number;
  /** Answers compared byte for byte with the setting's reference, over every run (all equal). */
  checked: number;
}

/** One setting over another on one query: requests/s and p99 latency. */
export interface RemoteRatio {
  query: string;
  setting: RemoteSetting;
  over: RemoteSetting;
  throughput: number;
  p99: number;
  /** The least requests/s ratio the benchmark's issue aims at; null where it sets none. */
  aim: number | null;
}

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  return values.some((value) => value === null) ? null : median(values.map((value) => value ?? Number.NaN));
}

function machineCpuOf(run: RemoteRun): number | null {
  const { gatewayCpuMsPerRequest: gateway, servicesCpuMsPerRequest: services } = run;
  const database = run.databaseCpuMsPerRequest;
  if (gateway === null || services === null || database === null) return null;
  return gateway + services + database + run.loadCpuMsPerRequest;
}

/** The cell of `setting` and `query` from its runs. */
export function remoteCell(setting: RemoteSetting, query: string, runs: readonly RemoteRun[]): RemoteCell {
  const mine = runs.filter((run) => run.setting === setting && run.query === query);
  return {
    setting,
    query,
    runs: mine,
    perSecond: median(mine.map((run) => run.load.perSecond)),
    p50Ms: median(mine.map((run) => run.load.p50Ms)),
    p99Ms: median(mine.map((run) => run.load.p99Ms)),
    gatewayCpuMsPerRequest: medianOrNull(mine.map((run) => run.gatewayCpuMsPerRequest)),
    totalCpuMsPerRequest: medianOrNull(
      mine.map((run) =>
        run.gatewayCpuMsPerRequest === null || run.servicesCpuMsPerRequest === null
          ? null
          : run.gatewayCpuMsPerRequest + run.servicesCpuMsPerRequest,
      ),
    ),
    databaseCpuMsPerRequest: medianOrNull(mine.map((run) => run.databaseCpuMsPerRequest)),
    machineCpuMsPerRequest: medianOrNull(mine.map(machineCpuOf)),
    serviceRequestsPerRequest: median(mine.map((run) => run.serviceRequestsPerRequest)),
    checked: mine.reduce((sum, run) => sum + run.load.checked, 0),
  };
}

// Remote targets against in-process ones (aim 0.5x), figway against the plain stitched
// gateway (aim 1x), and what merging identical requests in flight does to the plain one.
const COMPARED: ReadonlyArray<readonly [RemoteSetting, RemoteSetting, number | null]> = [
  ['remote', 'in-process', 0.5],
  ['remote', 'stitched', 1],
  ['remote@complete', 'stitched', 1],
  ['stitched+dedup', 'stitched', null],
];

/** The benchmark's ratios, per query, from the cells' medians. */
export function remoteRatios(cells: readonly RemoteCell[]): RemoteRatio[] {
  return REMOTE_QUERIES.flatMap((query) =>
    COMPARED.map(([setting, over, aim]) => {
      const of = cells.find((cell) => cell.query === query.name && cell.setting === setting);
      const base = cells.find((cell) => cell.query === query.name && cell.setting === over);
      return {
        query: query.name,
        setting,
        over,
        throughput: (of?.perSecond ?? Number.NaN) / (base?.perSecond ?? Number.NaN),
        p99: (of?.p99Ms ?? Number.NaN) / (base?.p99Ms ?? Number.NaN),
        aim,
      };
    }),
  );
}
