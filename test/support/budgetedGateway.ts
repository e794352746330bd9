import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { pino } from 'pino';
import type { TestEngine } from '../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../harness/targetDatabases.ts';
import { demoUser } from '../../harness/testGateway.ts';
import { createConnectApp } from '../../resolvers/createConnectApp.ts';
import { resolvers } from '../../resolvers/index.ts';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { createPostgresTransport } from '../../src/backends/supabase/postgresTransport.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createRouting } from '../../src/routing/createRouting.ts';
import { type FlagDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { migratedUnits } from '../../src/routing/migrate.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { type Gateway, startGateway } from '../../src/server/startGateway.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { NO_MIRROR } from '../../src/writes/writeMirror.ts';

/** A gateway over backfilled legacy and target databases, with its time budget and logger chosen by the test. */
export interface BudgetedGateway {
  gateway: Gateway;
  fixture: MigrationFixture;
  metrics: GatewayMetrics;
  tokenFor(username: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a gateway on a free port over fresh, backfilled legacy, ledger and OLTP
 * databases on `engine`, routing by `flags`, with `requestTimeoutMs` and `logger`.
 */
export async function startBudgetedGateway(
  engine: TestEngine,
  options: { flags: FlagDefinitions; requestTimeoutMs?: number; logger: pino.Logger },
): Promise<BudgetedGateway> {
  const fixture = await createMigrationFixture(engine, { backfill: true });
  const flagsDir = await mkdtemp(join(tmpdir(), 'figway-budget-'));
  const flagsPath = join(flagsDir, 'flags.json');
  await writeDefinitions(flagsPath, options.flags);
  const metrics = createGatewayMetrics();
  const routing = await createRouting({
    flags: { kind: 'file', path: flagsPath, pollMs: 50 },
    resolverUnits: migratedUnits(resolvers),
    targetsAvailable: true,
    metrics,
    logger: options.logger,
  });
  const secret = randomBytes(32).toString('base64url');
  const legacy = createPostgresTransport(fixture.legacy);
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    development: false,
    maxBodyBytes: 1_048_576,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    app: await createConnectApp({
      legacy,
      target: fixture.target,
      ledger: { ledger: fixture.ledger, commitments: createLedgerCommitments(fixture.ledger) },
      mirror: NO_MIRROR,
    }),
    health: { legacy },
    routing,
    metrics,
    verifyBearer: createBearerVerifier({ kind: 'secret', secret }),
    logger: options.logger,
  });
  return {
    gateway,
    fixture,
    metrics,
    tokenFor: (username) => signSupabaseToken(demoUser(username), secret),
    async close() {
      await gateway.stop();
      await routing.close();
      await rm(flagsDir, { recursive: true, force: true });
      await fixture.drop();
    },
  };
}
