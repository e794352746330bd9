import { relative } from 'node:path';
import { loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { createLogger } from '../server/createLogger.ts';
import { createVerifierFromConfig } from '../server/createVerifierFromConfig.ts';
import { openLegacyStore } from '../server/openLegacyStore.ts';
import { startGateway } from '../server/startGateway.ts';

function welcome(url: string, version: string, dataDir: string): string {
  const query = '{ me { username } commitments(first: 5) { edges { node { title status } } } }';
  return [
    '',
    `figway is serving the Connect schema (${version}) at ${url}`,
    `Embedded default: legacy Supabase on PGlite in ${relative(process.cwd(), dataDir) || '.'}/, with demo users`,
    'alice and carol (cohort beta), bob and dave (cohort general), and admin (service_role).',
    '',
    'Get a token for a demo user (valid one hour):',
    '  npx figway token alice',
    '',
    'Query as alice:',
    `  curl -s ${url} \\`,
    "    -H 'content-type: application/json' \\",
    '    -H "authorization: Bearer $(npx figway token alice)" \\',
    `    -d '${JSON.stringify({ query })}'`,
    '',
    `Health: ${url.replace(/\/graphql$/, '/healthz')}    Stop: Ctrl-C`,
    '',
  ].join('\n');
}

/** `figway serve`: starts the gateway from the environment and runs until SIGTERM or SIGINT. */
export async function serve(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  const legacy = await openLegacyStore(config.legacy);
  const gateway = await startGateway({
    host: config.host,
    port: config.port,
    development: config.development,
    maxBodyBytes: config.maxBodyBytes,
    legacy,
    verifyBearer: await createVerifierFromConfig(config.auth),
    logger,
  });
  await claim?.publish(gateway.url);
  if (config.legacy.transport === 'embedded')
    process.stdout.write(welcome(gateway.url, gateway.schemaVersion, config.dataDir));
  logger.info(
    {
      url: gateway.url,
      schemaVersion: gateway.schemaVersion,
      legacy: legacy.name,
      startupMs: Math.round(performance.now() - started),
    },
    'figway is listening',
  );

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests, then stopping');
    try {
      await gateway.stop();
      await legacy.close();
      await claim?.release();
      logger.info('stopped');
      process.exitCode = 0;
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}
