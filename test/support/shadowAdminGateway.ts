import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TestEngine } from '../../harness/databases.ts';
import { createLegacyDatabase } from '../../harness/legacyDatabase.ts';
import { demoUser } from '../../harness/testGateway.ts';
import { createConnectApp } from '../../resolvers/createConnectApp.ts';
import { resolvers } from '../../resolvers/index.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { createPostgresTransport } from '../../src/backends/supabase/postgresTransport.ts';
import type { Database } from '../../src/core/database.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createPromotionCheck } from '../../src/routing/checkPromotion.ts';
import { createRouting } from '../../src/routing/createRouting.ts';
import {
  FLAGS_DIR,
  type FlagDefinitions,
  readDefinitions,
  writeDefinitions,
} from '../../src/routing/flagFiles.ts';
import { migratedUnits } from '../../src/routing/migrate.ts';
import type { AdminRoutes } from '../../src/server/adminRoutes.ts';
import { createShadowApiRoutes } from '../../src/server/shadowApiRoutes.ts';
import { createShadowPageRoutes } from '../../src/server/shadowPageRoutes.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { startGateway } from '../../src/server/startGateway.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { NO_MIRROR } from '../../src/writes/writeMirror.ts';

/** The salt the gateway's promotion check hashes user ids with. */
export const SALT = 'shadow-admin-gateway-salt';

/** A running gateway that serves the shadow page and the shadow API over a real observation store. */
export interface ShadowAdminGateway {
  /** `http://127.0.0.1:<port>`; the page is at `${origin}/admin/shadow`. */
  origin: string;
  /** The observation store (the legacy database, as in the embedded default): fill it with observations. */
  db: Database;
  /** A token of the demo user `username`, signed with the gateway's secret. */
  tokenFor(username: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a gateway over a fresh, seeded legacy database on `engine`, whose admin routes are
 * the shadow page and the shadow JSON API over that database's observations, composed as
 * `figway serve` composes them (page first, then the API), with the default thresholds and
 * the promotion check over `options.flags` (default: flags/definitions.json, every flag off).
 */
export async function startShadowAdminGateway(
  engine: TestEngine,
  options: { development: boolean; flags?: FlagDefinitions },
): Promise<ShadowAdminGateway> {
  const legacy = await createLegacyDatabase(engine);
  await applyMigrations(legacy.db, OBSERVATION_MIGRATIONS);
  const flagsDir = await mkdtemp(join(tmpdir(), 'figway-flags-'));
  const flagsPath = join(flagsDir, 'flags.json');
  await writeDefinitions(
    flagsPath,
    options.flags ?? (await readDefinitions(join(FLAGS_DIR, 'definitions.json'))),
  );
  const logger = pino({ level: 'silent' });
  const metrics = createGatewayMetrics();
  const routing = await createRouting({
    flags: { kind: 'file', path: flagsPath, pollMs: 1000 },
    resolverUnits: migratedUnits(resolvers),
    targetsAvailable: false,
    metrics,
    logger,
  });
  const secret = randomBytes(32).toString('base64url');
  const verifyBearer = createBearerVerifier({ kind: 'secret', secret });
  const access = { development: options.development, verifyBearer };
  const page = createShadowPageRoutes(access);
  const api = createShadowApiRoutes({
    db: legacy.db,
    ...access,
    checkPromotion: createPromotionCheck(routing, legacy.db, { salt: SALT }),
  });
  const admin: AdminRoutes = async (request, response, pathname) =>
    (await page(request, response, pathname)) || api(request, response, pathname);
  const store = createPostgresTransport(legacy.db);
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    development: options.development,
    maxBodyBytes: 1_048_576,
    app: await createConnectApp({ legacy: store, target: null, ledger: null, mirror: NO_MIRROR }),
    health: { legacy: store },
    routing,
    metrics,
    verifyBearer,
    logger,
    admin,
  });
  return {
    origin: `http://127.0.0.1:${gateway.port}`,
    db: legacy.db,
    tokenFor: (username) => signSupabaseToken(demoUser(username), secret),
    async close() {
      await gateway.stop();
      await routing.close();
      await rm(flagsDir, { recursive: true, force: true });
      await legacy.drop();
    },
  };
}
