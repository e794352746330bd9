import { buildConnectSchema } from '../resolvers/createConnectApp.ts';
import type { ChildServer } from './childServer.ts';
import { type FigwayReader, startFigwayReader } from './figwayReader.ts';
import type { PeerSetting, PeerTarget } from './measurePeerRun.ts';
import type { BenchStage } from './stageFlags.ts';
import { startBarePeer } from './startBarePeer.ts';

/** The processes of the peers benchmark, each a child of its own. */
export interface PeerServers {
  bare: ChildServer;
  /** figway with every unit's sample rate at 1, whose stage moves. */
  full: FigwayReader;
  /** figway with every unit's sample rate at 0.1, always at shadow. */
  tenth: FigwayReader;
}

/** What the peers' processes run over. */
export interface PeerServersOptions {
  /** The production databases' environment (SUPABASE_DB_URL and the rest). */
  databases: Record<string, string>;
  jwt: { secret: string; issuer: string };
  /** A folder for figway's flags files and catalogues. */
  dir: string;
  /** A service_role token, whose answers show figway's routes. */
  adminToken: string;
}

// The value of a start that succeeded; the first failure otherwise.
function startedOf<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/**
 * Starts the two figways (only the first runs the mirror's appliers, as a second
 * instance would leave them) and the bare peer, labelled with figway's schema version,
 * side by side. Each process is added to `children` as soon as it runs, so the caller
 * stops every one that started, also when another failed to.
 */
export async function startPeerServers(
  options: PeerServersOptions,
  children: ChildServer[],
): Promise<PeerServers> {
  const keep = async <T>(starting: Promise<T>, serverOf: (value: T) => ChildServer) => {
    const value = await starting;
    children.push(serverOf(value));
    return value;
  };
  const { databases, jwt, dir, adminToken } = options;
  const common = { databases, jwt, dir, adminToken };
  const [full, tenth, bare] = await Promise.allSettled([
    keep(
      startFigwayReader({ ...common, name: 'figway', sampleRate: 1, stage: 'legacy', applier: true }),
      (reader) => reader.server,
    ),
    keep(
      startFigwayReader({ ...common, name: 'figway@0.1', sampleRate: 0.1, stage: 'shadow', applier: false }),
      (reader) => reader.server,
    ),
    keep(
      buildConnectSchema().then(({ version }) =>
        startBarePeer(databases.SUPABASE_DB_URL ?? '', jwt, version),
      ),
      (server) => server,
    ),
  ]);
  return { bare: startedOf(bare), full: startedOf(full), tenth: startedOf(tenth) };
}

function onFigway(setting: PeerSetting, reader: FigwayReader, stage: BenchStage): PeerTarget {
  return { setting, url: reader.url, pid: reader.server.pid, figway: { reader, stage } };
}

/** Where `setting` is served: the bare peer, the first figway at a stage, or the figway at 0.1. */
export function targetOf(setting: PeerSetting, servers: PeerServers): PeerTarget {
  switch (setting) {
    case 'bare':
      return { setting, url: servers.bare.url, pid: servers.bare.pid, figway: null };
    case 'legacy':
    case 'live':
    case 'complete':
      return onFigway(setting, servers.full, setting);
    case 'shadow@1':
      return onFigway(setting, servers.full, 'shadow');
    case 'shadow@0.1':
      return onFigway(setting, servers.tenth, 'shadow');
  }
}

/** Moves the figway that serves `target` to its stage (nothing for the bare peer). */
export async function visit(target: PeerTarget): Promise<void> {
  if (target.figway !== null) await target.figway.reader.moveTo(target.figway.stage);
}
