import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvers } from '../../resolvers/index.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createRouting, type Routing } from '../../src/routing/createRouting.ts';
import { FLAGS_DIR, readDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { migratedUnits } from '../../src/routing/migrate.ts';
import type { GatewayApp } from '../../src/server/gatewayApp.ts';
import { startGateway } from '../../src/server/startGateway.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { captureLogs } from '../support/capturedLogs.ts';
import { closedPort } from '../support/closedPort.ts';

// The gateway takes its app as input; start-up never runs it, so the smallest schema serves.
const APP: GatewayApp = {
  schema: buildSchema('type Query { ok: Boolean }'),
  version: 'start-up-test',
  createContext: (viewer, router) => ({ viewer, router }),
};

/** Listens on a free loopback port (or `port`); rejects with EADDRINUSE when that port is taken. */
async function listenOn(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a TCP server has a port');
  return { server, port: address.port };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

describe('startGateway', () => {
  let flagsDir: string;
  let routing: Routing;
  const metrics = createGatewayMetrics();
  const logs = captureLogs('warn');

  beforeAll(async () => {
    flagsDir = await mkdtemp(join(tmpdir(), 'figway-start-'));
    const flagsPath = join(flagsDir, 'flags.json');
    await writeDefinitions(flagsPath, await readDefinitions(join(FLAGS_DIR, 'definitions.json')));
    routing = await createRouting({
      flags: { kind: 'file', path: flagsPath, pollMs: 1000 },
      resolverUnits: migratedUnits(resolvers),
      targetsAvailable: false,
      metrics,
      logger: logs.logger,
    });
  });
  afterAll(async () => {
    await routing.close();
    await rm(flagsDir, { recursive: true, force: true });
  });

  it('rejects and leaves the GraphQL port free when the /metrics port is taken', async () => {
    const taken = await listenOn();
    try {
      const port = await closedPort();
      const start = startGateway({
        app: APP,
        host: '127.0.0.1',
        port,
        development: false,
        maxBodyBytes: 1_048_576,
        routing,
        metrics,
        health: {},
        verifyBearer: createBearerVerifier({ kind: 'secret', secret: 'a-secret-for-the-start-up-test-32c' }),
        metricsAccess: { token: null, listen: { host: '127.0.0.1', port: taken.port } },
        logger: logs.logger,
      });
      await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE', port: taken.port });
      // The gateway had listened on `port` before /metrics failed; had it stayed open, this rejects.
      const again = await listenOn(port);
      await close(again.server);
      expect(logs.lines).toEqual([]);
    } finally {
      await close(taken.server);
    }
  });
});
