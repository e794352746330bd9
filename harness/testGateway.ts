import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createConnectApp } from '../resolvers/createConnectApp.ts';
import { resolvers } from '../resolvers/index.ts';
import { createLedgerCommitments } from '../src/backends/ledger/ledgerCommitments.ts';
import { applyMigrations } from '../src/backends/sql/applyMigrations.ts';
import { createPostgresTransport } from '../src/backends/supabase/postgresTransport.ts';
import { type DemoUser, findDemoUser } from '../src/backends/supabase/seed/demoUsers.ts';
import { DEFAULT_QUERY_LIMITS } from '../src/config.ts';
import type { Database } from '../src/core/database.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../src/reports/gatewayMetrics.ts';
import { createRouting } from '../src/routing/createRouting.ts';
import { FLAGS_DIR, readDefinitions, writeDefinitions } from '../src/routing/flagFiles.ts';
import { migratedUnits } from '../src/routing/migrate.ts';
import type { ReloadOutcome } from '../src/routing/stageSource.ts';
import { readPublishedSchemas } from '../src/schema/schemaFiles.ts';
import { signSupabaseToken } from '../src/server/signToken.ts';
import { type Gateway, startGateway } from '../src/server/startGateway.ts';
import { createBearerVerifier } from '../src/server/verifyBearer.ts';
import { OBSERVATION_MIGRATIONS } from '../src/shadow/observationMigrations.ts';
import { createObservationWriter, type ObservationWriter } from '../src/shadow/observationWriter.ts';
import { createShadowRunner, type ShadowRunner } from '../src/shadow/shadowRunner.ts';
import { createSubscriptionShadow } from '../src/subscriptions/compareEventStreams.ts';
import { type Subscriptions, startSubscriptions } from '../src/subscriptions/startSubscriptions.ts';
import { recordMirrorFailures } from '../src/writes/recordMirrorFailures.ts';
import { createSync, type Sync, type SyncOptions } from '../src/writes/sync/createSync.ts';
import { observeMirroredWrite } from '../src/writes/sync/observeMirroredWrite.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../src/writes/sync/syncMigrations.ts';
import { NO_MIRROR } from '../src/writes/writeMirror.ts';
import type { TestEngine } from './databases.ts';
import { createLegacyDatabase } from './legacyDatabase.ts';
import { createMigrationFixture, type MigrationFixture } from './targetDatabases.ts';
import type { TestGatewayOptions } from './testGatewayOptions.ts';

/** A GraphQL response as the tests read it. */
export interface GraphqlResponse {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
}

/** A gateway over a seeded legacy database, with helpers to query it as a demo user. */
export interface TestGateway {
  gateway: Gateway;
  /** The backfilled ledger and OLTP stores, when started with `targets`. */
  fixture: MigrationFixture | null;
  /** The flags file the gateway routes by; rewrite it to change stages. */
  flagsPath: string;
  /** Resolves at the gateway's next reload of the flags file: `applied`, or `rejected` (malformed). */
  nextFlagsReload(): Promise<ReloadOutcome>;
  metrics: GatewayMetrics;
  /** The mirror, when started with `sync`. */
  sync: Sync | null;
  /** The change bus and hub, when started with `subscriptions`. */
  subscriptions: Subscriptions | null;
  /** The shadow runner, when started with `shadow`. */
  runner: ShadowRunner | null;
  /** Waits until every shadow comparison so far is judged and its observation stored. */
  settle(): Promise<void>;
  db: Database;
  secret: string;
  tokenFor(username: string): Promise<string>;
  query(
    query: string,
    options?: { variables?: Record<string, unknown>; as?: string; token?: string },
  ): Promise<GraphqlResponse>;
  close(): Promise<void>;
}

/** The demo user called `username`; throws for unknown names so typos fail loudly. */
export function demoUser(username: string): DemoUser {
  const user = findDemoUser(username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user;
}

/**
 * Starts a gateway on a free port over a fresh, seeded legacy database on `engine`.
 * `wrapStore` lets a test observe or break the store the gateway uses.
 */
export async function startTestGateway(
  engine: TestEngine,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const fixture = options.targets === true ? await createMigrationFixture(engine, { backfill: true }) : null;
  const legacyDb =
    fixture === null ? await createLegacyDatabase(engine) : { db: fixture.legacy, drop: fixture.drop };
  let sync: Sync | null = null;
  if (options.sync !== undefined && fixture === null) throw new Error('sync needs targets: true');
  if (fixture !== null) {
    // As figway serve opens targets: a live write commits its outbox row even when
    // nothing applies it (the gateway then mirrors nothing).
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    await applyMigrations(fixture.oltp.db, SYNC_MIGRATIONS);
    if (options.sync !== undefined) await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
  }
  const secret = randomBytes(32).toString('base64url');
  const store = createPostgresTransport(options.wrapDatabase?.(legacyDb.db) ?? legacyDb.db);
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = createGatewayMetrics();
  const flagsDir = await mkdtemp(join(tmpdir(), 'figway-flags-'));
  const flagsPath = join(flagsDir, 'flags.json');
  await writeDefinitions(
    flagsPath,
    options.flags ?? (await readDefinitions(join(FLAGS_DIR, 'definitions.json'))),
  );
  const routing = await createRouting({
    flags: { kind: 'file', path: flagsPath, pollMs: 50 },
    resolverUnits: migratedUnits(resolvers),
    targetsAvailable: fixture !== null,
    metrics,
    logger,
    ...(options.stageSource === undefined ? {} : { source: options.stageSource }),
    ...(options.catalogue === undefined ? {} : { catalogue: options.catalogue }),
  });
  let runner: ShadowRunner | null = null;
  let writer: ObservationWriter | null = null;
  if (options.shadow !== undefined) {
    await applyMigrations(legacyDb.db, OBSERVATION_MIGRATIONS);
    writer = createObservationWriter({
      db: options.shadow.observationsDb ?? legacyDb.db,
      flushEveryMs: 50,
      onDrop: (reason, count) => metrics.observationsLost.inc({ reason }, count),
    });
    runner = createShadowRunner({
      catalogue: routing.catalogue,
      writer,
      metrics,
      salt: 'test-salt',
      ...(options.shadow.random === undefined ? {} : { random: options.shadow.random }),
      ...(options.shadow.maxInFlight === undefined ? {} : { maxInFlight: options.shadow.maxInFlight }),
    });
  }
  const legacy = options.wrapStore === undefined ? store : options.wrapStore(store);
  const target = fixture === null ? null : (options.wrapTarget?.(fixture.target) ?? fixture.target);
  let subscriptions: Subscriptions | null = null;
  if (options.subscriptions !== undefined) {
    const { shadow: compare } = options.subscriptions;
    if (compare !== undefined && writer === null) throw new Error('subscriptions.shadow needs shadow');
    subscriptions = await startSubscriptions({
      stores: { legacy, target },
      ledger: fixture?.ledger ?? null,
      stageOf: (viewer, unit) => routing.routerFor(viewer).stageOf(unit),
      redisUrl: options.subscriptions.redisUrl ?? null,
      queueLimit: options.subscriptions.queueLimit ?? 1000,
      ...(compare === undefined || writer === null
        ? {}
        : {
            shadow: createSubscriptionShadow({
              catalogue: routing.catalogue,
              writer,
              metrics,
              salt: 'test-salt',
              ...(compare.random === undefined ? {} : { random: compare.random }),
            }),
          }),
      metrics,
      logger,
    });
  }
  if (options.sync !== undefined && fixture !== null) {
    const { applier, ...settings } = options.sync;
    const deps = { legacyDb: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp };
    const observations = writer;
    // With shadow reads on, each mirrored write is observed as `figway serve` does.
    const observe: SyncOptions['onMirrored'] =
      observations === null
        ? undefined
        : (outcome) => {
            void observeMirroredWrite(deps, outcome).then(
              (observation) => observation !== null && observations.record(observation),
              (error: unknown) => logger.warn({ err: error }, 'could not observe a mirrored write'),
            );
          };
    sync = createSync(deps, {
      metrics,
      logger,
      pollMs: 200,
      ...(observe === undefined ? {} : { onMirrored: observe }),
      ...(subscriptions === null ? {} : { publish: subscriptions.bus }),
      ...settings,
    });
    if (applier !== false) await sync.start();
  }
  const gateway = await startGateway({
    ...(runner === null ? {} : { shadow: runner }),
    ...(subscriptions === null ? {} : { subscriptions: subscriptions.hub }),
    ...options.gateway,
    host: '127.0.0.1',
    port: 0,
    development: options.development ?? false,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    queryLimits: { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits },
    app: await createConnectApp({
      legacy,
      target,
      ledger:
        fixture === null
          ? null
          : { ledger: fixture.ledger, commitments: createLedgerCommitments(fixture.ledger) },
      mirror: recordMirrorFailures(options.mirror ?? sync?.mirror ?? NO_MIRROR, {
        failures: metrics.mirrorFailures,
        logger,
      }),
    }),
    health: { legacy },
    routing,
    metrics,
    verifyBearer: createBearerVerifier({ kind: 'secret', secret }),
    logger,
  });
  const tokenFor = (username: string) => signSupabaseToken(demoUser(username), secret);
  return {
    fixture,
    gateway,
    db: legacyDb.db,
    secret,
    tokenFor,
    async query(query, { variables, as, token } = {}) {
      const bearer = token ?? (as === undefined ? undefined : await tokenFor(as));
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphqlResponse['body'] };
    },
    flagsPath,
    nextFlagsReload: () => routing.nextReload(),
    metrics,
    sync,
    subscriptions,
    runner,
    async settle() {
      await runner?.idle();
      await writer?.flush();
    },
    async close() {
      await gateway.stop();
      await sync?.stop();
      await subscriptions?.close();
      await writer?.close();
      await routing.close();
      await rm(flagsDir, { recursive: true, force: true });
      await legacyDb.drop();
    },
  };
}

/** The label of the newest published schema, which the served schema equals. */
export async function newestSchemaLabel(): Promise<string> {
  const newest = (await readPublishedSchemas()).at(-1);
  if (newest === undefined) throw new Error('no published schema');
  return newest.label;
}

/** The `extensions.code` of every error in a response. */
export function errorCodes(response: GraphqlResponse): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}

/** `data[name]` of a response; throws with the errors when the response has none, so a test fails clearly. */
export function dataField(response: GraphqlResponse, name: string): unknown {
  const data = response.body.data;
  if (data === null || data === undefined || !(name in data)) {
    throw new Error(`response has no data.${name}: ${JSON.stringify(response.body.errors)}`);
  }
  return data[name];
}
