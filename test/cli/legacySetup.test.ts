import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL, type TestEngine, testEngines } from '../../harness/databases.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { findDemoUser } from '../../src/backends/supabase/seed/demoUsers.ts';
import { figway, startServe } from '../support/figwayProcess.ts';

// `figway legacy setup` is for a real PostgreSQL server: it runs against the one the
// tests use (under CI=true, testEngines() fails the run when it does not answer).
const engines = (await testEngines()).filter((engine) => engine.name === 'postgres');
const SECRET = 'a-jwt-secret-for-the-legacy-setup-test-0042';
// A plain PostgreSQL names no Supabase project, so the issuer of user tokens is set.
const ISSUER = 'figway-demo';
// Each test starts figway processes (setup, token, serve): seconds each on a busy machine.
const TIMEOUT = 120_000;

/** A fresh database on `engine` and a client on it; `drop` removes both. */
async function freshDatabase(engine: TestEngine) {
  const created = await engine.create();
  await created.db.close();
  const client = new pg.Client({ connectionString: created.url ?? '' });
  await client.connect();
  return {
    url: created.url ?? '',
    client,
    async drop() {
      await client.end();
      await created.drop();
    },
  };
}

/** Every relation outside the system schemas, with its row count: what "changes nothing" compares. */
async function contents(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p')
        and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
      order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of rows) {
    const [count] = (await client.query<{ n: number }>(`select count(*)::int as n from ${name}`)).rows;
    counts[name] = count?.n ?? -1;
  }
  return counts;
}

async function setup(url: string, ...flags: string[]) {
  return figway(['legacy', 'setup', ...flags], { SUPABASE_DB_URL: url });
}

/** The demo commitments alice is a party to, by id. */
function aliceCommitmentIds(): string[] {
  return DEMO_COMMITMENTS.filter(
    (commitment) =>
      commitment.creator === 'alice' || commitment.parties.some((party) => party.username === 'alice'),
  )
    .map((commitment) => commitment.id)
    .sort();
}

/** POSTs `query` to the gateway's GraphQL endpoint `url` as the bearer of `token`. */
async function queryAs(url: string, token: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: unknown };
}

describe.each(engines)('figway legacy setup ($name)', (engine) => {
  it('sets up the demo, and a production-mode gateway serves alice her commitments with a figway token', {
    timeout: TIMEOUT,
  }, async () => {
    const database = await freshDatabase(engine);
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-legacy-setup-'));
    try {
      const result = await setup(database.url, '--demo');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/no auth schema/);
      expect(result.stdout).toMatch(
        /5 users \(alice, bob, carol, dave, admin\), 4 commitment types, 22 commitments/,
      );
      const env = {
        SUPABASE_JWT_SECRET: SECRET,
        SUPABASE_JWT_ISSUER: ISSUER,
        FIGWAY_DATA_DIR: dataDir,
        NODE_ENV: 'production',
        FIGWAY_SHADOW_SALT: 'a-salt-for-the-legacy-setup-test',
      };
      const token = await figway(['token', 'alice'], env);
      expect(token.code, token.stderr).toBe(0);
      const gateway = await startServe({ ...env, SUPABASE_DB_URL: database.url });
      try {
        const answer = await queryAs(
          gateway.url,
          token.stdout.trim(),
          '{ me { username } commitments(first: 100) { edges { node { id } } } }',
        );
        expect(answer.errors).toBeUndefined();
        const data = answer.data as {
          me: { username: string };
          commitments: { edges: { node: { id: string } }[] };
        };
        expect(data.me.username).toBe('alice');
        expect(data.commitments.edges.map((edge) => edge.node.id).sort()).toEqual(aliceCommitmentIds());
      } finally {
        await gateway.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });

  it('refuses a second setup, naming the tables it found, and changes nothing', {
    timeout: TIMEOUT,
  }, async () => {
    const database = await freshDatabase(engine);
    try {
      expect((await setup(database.url, '--demo')).code).toBe(0);
      const before = await contents(database.client);
      const again = await setup(database.url, '--demo');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/public\.commitments already exists/);
      expect(again.stderr).toMatch(/public\.profiles already exists/);
      expect(again.stderr).toMatch(/nothing was changed/i);
      expect(await contents(database.client)).toEqual(before);
    } finally {
      await database.drop();
    }
  });

  it('refuses a database that already has public.commitments, and creates nothing', {
    timeout: TIMEOUT,
  }, async () => {
    const database = await freshDatabase(engine);
    try {
      await database.client.query('create table public.commitments (id uuid primary key, note text)');
      await database.client.query("insert into public.commitments values (gen_random_uuid(), 'kept')");
      const before = await contents(database.client);
      const result = await setup(database.url, '--demo');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/public\.commitments already exists/);
      expect(result.stderr).not.toMatch(/public\.profiles/);
      expect(await contents(database.client)).toEqual(before);
      expect(
        (
          await database.client.query(
            "select to_regnamespace('auth') as auth, to_regnamespace('figway') as figway",
          )
        ).rows[0],
      ).toEqual({ auth: null, figway: null });
    } finally {
      await database.drop();
    }
  });

  it('without --demo creates the tables and no rows', { timeout: TIMEOUT }, async () => {
    const database = await freshDatabase(engine);
    try {
      const result = await setup(database.url);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/demo data: none/);
      const tables = await contents(database.client);
      for (const table of [
        'auth.users',
        'public.profiles',
        'public.commitment_types',
        'public.commitments',
        'public.commitment_parties',
        'public.commitment_documents',
        'public.commitment_history',
      ]) {
        expect(tables[table], table).toBe(0);
      }
      expect(tables['figway.migrations']).toBeGreaterThanOrEqual(4);
    } finally {
      await database.drop();
    }
  });

  it("keeps a Supabase database's own auth schema and applies only the Connect model", {
    timeout: TIMEOUT,
  }, async () => {
    const database = await freshDatabase(engine);
    const hostUid =
      "select nullif(coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), " +
      "(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')), '')::uuid";
    try {
      // What a Supabase project has before any application migration: its API roles,
      // auth.users and its own auth.uid().
      await database.client.query(`do $$ begin
          begin create role anon nologin noinherit; exception when duplicate_object or unique_violation then null; end;
          begin create role authenticated nologin noinherit; exception when duplicate_object or unique_violation then null; end;
          begin create role service_role nologin noinherit bypassrls; exception when duplicate_object or unique_violation then null; end;
        end $$`);
      await database.client.query(`create schema auth;
        grant usage on schema auth to anon, authenticated, service_role;
        create table auth.users (id uuid primary key, instance_id uuid, aud varchar(255), email text unique,
          role varchar(255), raw_app_meta_data jsonb, raw_user_meta_data jsonb, created_at timestamptz);
        create function auth.uid() returns uuid language sql stable as $$ ${hostUid} $$;
        grant execute on function auth.uid() to anon, authenticated, service_role`);
      const result = await setup(database.url, '--demo');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/found the auth schema/);
      const { rows } = await database.client.query(
        `select (select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure) as uid,
                to_regprocedure('auth.jwt()') as jwt,
                (select count(*)::int from public.profiles) as profiles,
                (select count(*)::int from public.commitments) as commitments`,
      );
      expect(rows[0]).toEqual({ uid: ` ${hostUid} `, jwt: null, profiles: 5, commitments: 22 });
    } finally {
      await database.drop();
    }
  });

  it('refuses an auth schema that has no auth.users, and changes nothing', { timeout: TIMEOUT }, async () => {
    const database = await freshDatabase(engine);
    try {
      await database.client.query('create schema auth');
      const before = await contents(database.client);
      const result = await setup(database.url);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/the auth schema exists without an auth\.users table/);
      expect(await contents(database.client)).toEqual(before);
      expect((await database.client.query("select to_regnamespace('figway') as figway")).rows[0]).toEqual({
        figway: null,
      });
    } finally {
      await database.drop();
    }
  });
});

describe('figway legacy setup without a usable database', () => {
  it('names SUPABASE_DB_URL when it is not set', { timeout: TIMEOUT }, async () => {
    const result = await figway(['legacy', 'setup'], { SUPABASE_DB_URL: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SUPABASE_DB_URL/);
    expect(result.stderr).toMatch(/createdb/);
  });

  it('says which database does not exist and how to create it', { timeout: TIMEOUT }, async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = '/figway_no_such_database';
    const result = await setup(url.toString());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/database "figway_no_such_database" does not exist/);
    expect(result.stderr).toMatch(/createdb/);
  });

  it('says the server cannot be reached, with the password masked', { timeout: TIMEOUT }, async () => {
    const result = await setup('postgres://postgres:hunter2@127.0.0.1:1/connect');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot reach the PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/connect/,
    );
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    expect(result.stderr).not.toMatch(/hunter2/);
  });
});

describe('figway token with SUPABASE_JWT_SECRET', () => {
  it('signs with that secret a token that carries exp, aud, role and the configured iss', {
    timeout: TIMEOUT,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-token-'));
    try {
      const result = await figway(['token', 'alice'], {
        SUPABASE_JWT_SECRET: SECRET,
        SUPABASE_JWT_ISSUER: ISSUER,
        FIGWAY_DATA_DIR: dataDir,
      });
      expect(result.code, result.stderr).toBe(0);
      const { payload } = await jwtVerify(result.stdout.trim(), new TextEncoder().encode(SECRET), {
        audience: 'authenticated',
        issuer: ISSUER,
        requiredClaims: ['exp', 'iat'],
      });
      expect(payload.sub).toBe(findDemoUser('alice')?.id);
      expect(payload.role).toBe('authenticated');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
      // The embedded secret is not needed, so nothing is written to the data folder.
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
