import { fileURLToPath } from 'node:url';
import { type ChildServer, startChildServer } from './childServer.ts';
import { type FigwayReader, startFigwayReader } from './figwayReader.ts';

const FIGWAY_BIN = fileURLToPath(new URL('../bin/figway.js', import.meta.url));
const STITCHED_BIN = fileURLToPath(new URL('./plainStitchedGateway.ts', import.meta.url));

/** The processes of the remote benchmark, each a child of its own. */
export interface RemoteServers {
  /** `figway service ledger` and `figway service oltp`. */
  services: { ledger: ChildServer; oltp: ChildServer };
  /** `figway serve` over the target databases. */
  inProcess: FigwayReader;
  /** `figway serve` over the two services (LEDGER_SERVICE_URL, OLTP_SERVICE_URL). */
  remote: FigwayReader;
  /** The plain stitched gateway over the services, identical requests in flight not merged. */
  stitched: ChildServer;
  /** The same with the HTTP executor's in-flight deduplication on (its default). */
  stitchedDeduplicating: ChildServer;
}

/** What the remote benchmark's processes run over. */
export interface RemoteServersOptions {
  /** The production databases' environment (SUPABASE_DB_URL, LEDGER_DATABASE_URL, ...). */
  databases: Record<string, string>;
  jwt: { secret: string; issuer: string };
  /** FIGWAY_SERVICE_KEY of the services, which every gateway sends. */
  serviceKey: string;
  /** A folder for figway's flags files and catalogues. */
  dir: string;
  /** A service_role token, whose answers show figway's routes. */
  adminToken: string;
}

function urlAfter(message: string) {
  return (line: string): string | null => {
    if (!line.includes(`"${message}"`)) return null;
    const { url } = JSON.parse(line) as { url?: unknown };
    return typeof url === 'string' ? url : null;
  };
}

// The value of a start that succeeded; the first failure otherwise.
function startedOf<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/**
 * Starts the two target services in production mode on their databases, then, side by
 * side, figway with in-process targets, figway with the services as its targets (both at
 * `live`, neither running the mirror's appliers) and the two plain stitched gateways.
 * Each process is added to `children` as soon as it runs, so the caller stops every one
 * that started, also when another failed to.
 */
export async function startRemoteServers(
  options: RemoteServersOptions,
  children: ChildServer[],
): Promise<RemoteServers> {
  const { databases, jwt, serviceKey } = options;
  const keep = async <T>(starting: Promise<T>, serverOf: (value: T) => ChildServer) => {
    const value = await starting;
    children.push(serverOf(value));
    return value;
  };
  const service = (kind: 'ledger' | 'oltp', setting: string) =>
    keep(
      startChildServer(
        process.execPath,
        [FIGWAY_BIN, 'service', kind, '--port', '0'],
        {
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          SUPABASE_DB_URL: '',
          LEDGER_DATABASE_URL: '',
          OLTP_DATABASE_URL: '',
          [setting]: databases[setting] ?? '',
          SUPABASE_JWT_SECRET: jwt.secret,
          SUPABASE_JWT_ISSUER: jwt.issuer,
          FIGWAY_SERVICE_KEY: serviceKey,
        },
        urlAfter('figway service is listening'),
      ),
      (server) => server,
    );
  const [ledger, oltp] = await Promise.allSettled([
    service('ledger', 'LEDGER_DATABASE_URL'),
    service('oltp', 'OLTP_DATABASE_URL'),
  ]);
  const services = { ledger: startedOf(ledger), oltp: startedOf(oltp) };
  const common = { jwt, dir: options.dir, adminToken: options.adminToken, sampleRate: 1, applier: false };
  const serviceUrls = {
    LEDGER_SERVICE_URL: services.ledger.url,
    OLTP_SERVICE_URL: services.oltp.url,
    FIGWAY_SERVICE_KEY: serviceKey,
  };
  const stitchedGateway = (deduplicate: boolean) =>
    keep(
      startChildServer(
        process.execPath,
        [STITCHED_BIN],
        { NODE_ENV: 'production', ...serviceUrls, STITCHED_DEDUPLICATE: deduplicate ? 'on' : 'off' },
        urlAfter('plain stitched gateway is listening'),
      ),
      (server) => server,
    );
  const [inProcess, remote, stitched, stitchedDeduplicating] = await Promise.allSettled([
    keep(
      startFigwayReader({ ...common, name: 'figway (in-process targets)', databases, stage: 'live' }),
      (reader) => reader.server,
    ),
    keep(
      startFigwayReader({
        ...common,
        name: 'figway (remote targets)',
        // Only the service URLs: the gateway reaches no target database.
        databases: { ...databases, LEDGER_DATABASE_URL: '', OLTP_DATABASE_URL: '', ...serviceUrls },
        stage: 'live',
      }),
      (reader) => reader.server,
    ),
    stitchedGateway(false),
    stitchedGateway(true),
  ]);
  return {
    services,
    inProcess: startedOf(inProcess),
    remote: startedOf(remote),
    stitched: startedOf(stitched),
    stitchedDeduplicating: startedOf(stitchedDeduplicating),
  };
}
