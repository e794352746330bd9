import { randomUUID } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { Logger } from '../core/logger.ts';
import { createRateLimitedLog } from '../reports/rateLimitedLog.ts';
import { readDefinitions } from './flagFiles.ts';
import { servedFeature } from './servedFeature.ts';
import { decideStage, type ReloadOutcome, type StageSource } from './stageSource.ts';

/** Where a server-backed stage source finds Unleash. */
export interface UnleashServerOptions {
  /** The Unleash API URL, e.g. https://unleash.example.com/api. */
  url: string;
  /** A client (backend) token. */
  token: string;
  /** How often flags are fetched. @default 15000 */
  refreshMs?: number;
  logger: Logger;
}

/**
 * Stages from an Unleash server. Until the client has synchronized once, every unit
 * is `legacy`; afterwards the last fetched flags keep serving if the server goes away.
 */
export function createUnleashServerStageSource(options: UnleashServerOptions): StageSource {
  const client = new Unleash({
    url: options.url,
    appName: 'figway',
    instanceId: `figway-${randomUUID()}`,
    refreshInterval: options.refreshMs ?? 15_000,
    customHeaders: { Authorization: options.token },
    storageProvider: new InMemStorageProvider(),
  });
  let synchronized = false;
  client.on('synchronized', () => {
    synchronized = true;
  });
  listenToClient(client, options.logger);
  return {
    decide: (flag, context) => decideStage(synchronized ? client : null, flag, context),
    features: () => (synchronized ? client.getFeatureToggleDefinitions(true) : null),
    async close() {
      client.destroy();
    },
  };
}

/** Where a file-backed stage source reads its flags. */
export interface UnleashFileOptions {
  /** A flag definitions file in Unleash's client format. */
  path: string;
  /** How often the file is checked for changes. @default 250 */
  pollMs?: number;
  logger: Logger;
}

/**
 * Gives an Unleash client its 'error' and 'warn' listeners: an EventEmitter's 'error'
 * without a listener kills the process. unleash-client emits one on every failed
 * poll, so errors are logged at most once per 10 s with the number left out; warnings
 * (about its own configuration) at debug.
 */
function listenToClient(client: Unleash, logger: Logger) {
  const lines = createRateLimitedLog({ logger });
  client.on('error', (error: unknown) => {
    const cause = error instanceof Error ? error.message : String(error);
    lines.log('error', 'warn', { cause }, 'unleash: fetching flags failed; serving the last flags fetched');
  });
  client.on('warn', (warning: unknown) => logger.debug({ warning: String(warning) }, 'unleash: warning'));
}

async function offlineClient(path: string, logger: Logger): Promise<Unleash> {
  const definitions = await readDefinitions(path);
  const client = new Unleash({
    // Never contacted: refreshInterval 0 turns polling off and the bootstrap is all it knows.
    url: 'http://127.0.0.1:9/figway-offline',
    appName: 'figway',
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    // As Unleash's client API serves them: disabled strategies left out, segments by id.
    bootstrap: {
      data: definitions.features.map(servedFeature) as never,
      segments: (definitions as { segments?: unknown }).segments as never,
    },
  });
  listenToClient(client, logger);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  return client;
}

/**
 * Stages from a local flags file, evaluated offline by unleash-client. The file is
 * watched: a change takes effect within a poll interval; a malformed version is
 * logged and ignored, and the last good flags keep serving.
 */
export async function createUnleashFileStageSource(options: UnleashFileOptions): Promise<StageSource> {
  let client = await offlineClient(options.path, options.logger);
  let reloading = Promise.resolve();
  let waiting: Array<(outcome: ReloadOutcome) => void> = [];
  const settle = (outcome: ReloadOutcome) => {
    const settled = waiting;
    waiting = [];
    for (const resolve of settled) resolve(outcome);
  };
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await offlineClient(options.path, options.logger);
        const previous = client;
        client = next;
        previous.destroy();
        options.logger.info({ path: options.path }, 'flags file changed: new stages in effect');
        settle('applied');
      } catch (error) {
        options.logger.error(
          { err: error },
          'flags file changed but is not valid: keeping the previous flags',
        );
        settle('rejected');
      }
    });
  };
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs !== previous.mtimeMs) reload();
  };
  watchFile(options.path, { interval: options.pollMs ?? 250, persistent: false }, onChange);
  return {
    decide: (flag, context) => decideStage(client, flag, context),
    features: () => client.getFeatureToggleDefinitions(true),
    nextReload: () => new Promise((resolve) => waiting.push(resolve)),
    async close() {
      unwatchFile(options.path, onChange);
      await reloading;
      client.destroy();
    },
  };
}
