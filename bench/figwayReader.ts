import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeDefinitions } from '../src/routing/flagFiles.ts';
import { type ChildServer, startChildServer } from './childServer.ts';
import { PEER_QUERIES } from './peerQueries.ts';
import { writeSampledCatalogue } from './sampledCatalogue.ts';
import { type BenchStage, stageFlags } from './stageFlags.ts';

const FIGWAY_BIN = fileURLToPath(new URL('../bin/figway.js', import.meta.url));

/** What a figway reader of the peers benchmark runs with. */
export interface FigwayReaderOptions {
  /** Names it in progress lines and errors. */
  name: string;
  /** The production databases' environment (SUPABASE_DB_URL and the rest). */
  databases: Record<string, string>;
  jwt: { secret: string; issuer: string };
  /** Every unit's `shadow.sampleRate`, through FIGWAY_CATALOGUE_FILE. */
  sampleRate: number;
  /** The stage every unit starts at. */
  stage: BenchStage;
  /** Whether it runs the mirror's appliers (a second instance leaves them to the first). */
  applier: boolean;
  /** A folder of the benchmark's own, for the flags file and the catalogue. */
  dir: string;
  /** A service_role token, whose answers show each unit's route. */
  adminToken: string;
}

/** One `figway serve` process in production mode, whose stages the benchmark moves. */
export interface FigwayReader {
  name: string;
  sampleRate: number;
  server: ChildServer;
  /** Its GraphQL endpoint. */
  url: string;
  metricsUrl: string;
  /** Puts every unit at `stage` through the flags file, and resolves once answers are routed so. */
  moveTo(stage: BenchStage): Promise<void>;
}

function listeningUrl(line: string): string | null {
  if (!line.includes('"figway is listening"')) return null;
  const { url } = JSON.parse(line) as { url?: unknown };
  return typeof url === 'string' ? url : null;
}

interface RoutedAnswer {
  extensions?: { figway?: { routes?: Record<string, { stage?: unknown }> } };
}

// True once an answer to the admin shows every unit it touched at `stage`.
async function routedAt(url: string, adminToken: string, stage: BenchStage): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query: PEER_QUERIES[0]?.query }),
  });
  const routes = Object.values(((await response.json()) as RoutedAnswer).extensions?.figway?.routes ?? {});
  return routes.length > 0 && routes.every((route) => route.stage === stage);
}

/**
 * Starts `figway serve` (NODE_ENV=production) over the benchmark's databases, with
 * a flags file and a catalogue of its own, and waits until it routes at `options.stage`.
 */
export async function startFigwayReader(options: FigwayReaderOptions): Promise<FigwayReader> {
  const tag = `${options.name.replace(/\W+/g, '-')}-${randomBytes(3).toString('hex')}`;
  const flagsPath = join(options.dir, `${tag}-flags.json`);
  const cataloguePath = join(options.dir, `${tag}-catalogue.json`);
  await writeDefinitions(flagsPath, await stageFlags(options.stage));
  await writeSampledCatalogue(cataloguePath, options.sampleRate);
  const server = await startChildServer(
    process.execPath,
    [FIGWAY_BIN, 'serve'],
    {
      ...options.databases,
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'info',
      SUPABASE_JWT_SECRET: options.jwt.secret,
      SUPABASE_JWT_ISSUER: options.jwt.issuer,
      FIGWAY_FLAGS_FILE: flagsPath,
      FIGWAY_CATALOGUE_FILE: cataloguePath,
      FIGWAY_SHADOW_SALT: randomBytes(16).toString('hex'),
      FIGWAY_SYNC_APPLIER: options.applier ? 'on' : 'off',
    },
    listeningUrl,
  );
  const url = server.url;
  const reader: FigwayReader = {
    name: options.name,
    sampleRate: options.sampleRate,
    server,
    url,
    metricsUrl: url.replace(/\/graphql$/, '/metrics'),
    async moveTo(stage) {
      await writeDefinitions(flagsPath, await stageFlags(stage));
      // The flags file is read again every 250 ms (FIGWAY_FLAGS_POLL_MS).
      const deadline = performance.now() + 10_000;
      while (!(await routedAt(url, options.adminToken, stage))) {
        if (performance.now() > deadline)
          throw new Error(`${options.name} did not route at ${stage} within 10 s:\n${server.output()}`);
        await sleep(50);
      }
    },
  };
  try {
    await reader.moveTo(options.stage);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return reader;
}
