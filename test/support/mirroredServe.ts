import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { demoUser } from '../../harness/testGateway.ts';
import type { Stage } from '../../src/core/stage.ts';
import { writeDefinitions } from '../../src/routing/flagFiles.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { type ServeProcess, startServe } from './figwayProcess.ts';
import type { ProductionDatabases } from './productionDatabases.ts';
import { flagsWith, unitsAt } from './stageFlags.ts';

const ISSUER = 'http://127.0.0.1:54321/auth/v1';
const LOAN = '7e000000-0000-4000-8000-000000000001';

/** `figway serve` processes in production mode over one set of databases, all with writes at one stage. */
export interface MirroredDeployment {
  env: Record<string, string>;
  start(overrides?: Record<string, string>): Promise<ServeProcess>;
  /** Creates `count` commitments through `gateway`, 8 at a time, as the demo users in turn; returns their ids. */
  createCommitments(gateway: ServeProcess, count: number, title: string): Promise<string[]>;
  /** One query on one of the databases, over a connection of its own. */
  sql(role: 'legacy' | 'ledger' | 'oltp', text: string, params?: unknown[]): Promise<pg.QueryResultRow[]>;
  close(): Promise<void>;
}

/**
 * Sets up a production deployment whose `Mutation.*` units are at `stage` for everyone;
 * `env` overrides the database URLs (e.g. to go through a proxy).
 */
export async function mirroredDeployment(
  databases: ProductionDatabases,
  stage: Stage,
  env: Record<string, string> = {},
): Promise<MirroredDeployment> {
  const dir = await mkdtemp(join(tmpdir(), 'figway-mirror-'));
  const flagsPath = join(dir, 'flags.json');
  await writeDefinitions(flagsPath, await flagsWith(await unitsAt(['Mutation.*'], stage)));
  const secret = randomBytes(32).toString('base64url');
  const fullEnv = {
    NODE_ENV: 'production',
    ...databases.env,
    SUPABASE_JWT_SECRET: secret,
    SUPABASE_JWT_ISSUER: ISSUER,
    FIGWAY_FLAGS_FILE: flagsPath,
    FIGWAY_SHADOW_SALT: randomBytes(16).toString('hex'),
    FIGWAY_SYNC_POLL_MS: '200',
    LOG_LEVEL: 'info',
    ...env,
  };
  const users = ['alice', 'bob', 'carol', 'dave'];
  const tokens = await Promise.all(
    users.map((name) => signSupabaseToken(demoUser(name), secret, { issuer: ISSUER, ttlSeconds: 3600 })),
  );
  const started: ServeProcess[] = [];
  return {
    env: fullEnv,
    async start(overrides = {}) {
      const gateway = await startServe({ ...fullEnv, ...overrides });
      started.push(gateway);
      return gateway;
    },
    async createCommitments(gateway, count, title) {
      const ids: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const index = next++;
          const response = await fetch(gateway.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[index % tokens.length]}`,
            },
            body: JSON.stringify({
              query: `mutation ($title: String!) { createCommitment(input: { title: $title, typeId: "${LOAN}" }) { id } }`,
              variables: { title: `${title} ${index}` },
            }),
          });
          const body = (await response.json()) as {
            data?: { createCommitment?: { id: string } };
            errors?: unknown;
          };
          const id = body.data?.createCommitment?.id;
          if (id === undefined) throw new Error(`write ${index} failed: ${JSON.stringify(body.errors)}`);
          ids.push(id);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return ids;
    },
    async sql(role, text, params = []) {
      const client = new pg.Client({ connectionString: databases.urls[role] });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    async close() {
      await Promise.all(
        started.map((gateway) =>
          gateway.child.exitCode === null && gateway.child.signalCode === null ? gateway.stop() : null,
        ),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
