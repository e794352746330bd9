import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestSchemaLabel } from '../../harness/testGateway.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';

const QUERY = '{ me { username } commitments(first: 100) { edges { node { id } } } }';
const isParty = (username: string) => (commitment: (typeof DEMO_COMMITMENTS)[number]) =>
  commitment.creator === username || commitment.parties.some((party) => party.username === username);
const bobPrivate = DEMO_COMMITMENTS.filter(
  (commitment) => isParty('bob')(commitment) && !isParty('alice')(commitment),
);

async function queryAs(url: string, token: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  return (await response.json()) as {
    data: { me: { username: string }; commitments: { edges: Array<{ node: { id: string } }> } };
  };
}

describe('the embedded default (npm start)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let first: ServeProcess;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'figway-embedded-'));
    env = { FIGWAY_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    first = await startServe(env);
  }, 60_000);
  afterAll(async () => {
    if (first.child.exitCode === null) await first.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the URL, how to get a token and a curl example', () => {
    expect(first.output()).toContain(`at ${first.url}`);
    expect(first.output()).toContain('npx figway token alice');
    expect(first.output()).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/graphql/);
  });

  it("serves alice's commitments, not bob's private ones, to a token made while it runs", async () => {
    const token = await figway(['token', 'alice'], env);
    expect(token.code).toBe(0);
    const body = await queryAs(first.url, token.stdout.trim());
    expect(body.data.me).toEqual({ username: 'alice' });
    const ids = body.data.commitments.edges.map((edge) => edge.node.id);
    expect(ids).toHaveLength(DEMO_COMMITMENTS.filter(isParty('alice')).length);
    for (const commitment of bobPrivate) expect(ids).not.toContain(commitment.id);
  });

  it('backfills and verifies through the running gateway, which holds the database', async () => {
    const backfill = await figway(['backfill', 'commitments'], env);
    expect(backfill.code).toBe(0);
    // The gateway backfilled at start, so everything is already there.
    expect(backfill.stdout).toMatch(/commitments done: read 22, written 0, skipped 22, failed 0/);
    const verify = await figway(['verify', DEMO_COMMITMENTS[3]?.id ?? ''], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(
      /8 revisions in the ledger[\s\S]*Every revision verifies against the current digest/,
    );
    const unknown = await figway(['verify', 'c0000000-0000-4000-8000-999999999999'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/has no commitment/);
  });

  it('moves Commitment.status to the ledger for cohort beta with figway flags, and back', async () => {
    const query = `{ commitment(id: "${DEMO_COMMITMENTS[2]?.id}") { status } }`;
    const routeOf = async (username: string) => {
      const token = (await figway(['token', username], env)).stdout.trim();
      const response = await fetch(first.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as {
        extensions: { figway: { routes: Record<string, { backend: string; stage: string }> } };
      };
      return body.extensions.figway.routes['Commitment.status'];
    };
    const reloaded = first.nextLog('flags file changed: new stages in effect');
    expect((await figway(['flags', 'set', 'Commitment.status', 'live', '--cohort', 'beta'], env)).code).toBe(
      0,
    );
    await reloaded;
    expect(await routeOf('alice')).toEqual({ stage: 'live', backend: 'target' });
    expect(await routeOf('bob')).toEqual({ stage: 'legacy', backend: 'legacy' });
    const listed = await figway(['flags', 'list'], env);
    expect(listed.stdout).toMatch(/Commitment\.status\s+cohort beta\s+live\n\s+everyone else\s+legacy/);
    expect(
      (await figway(['flags', 'set', 'Commitment.status', 'legacy', '--cohort', 'beta'], env)).code,
    ).toBe(0);
    const started = performance.now();
    while ((await routeOf('alice'))?.backend !== 'legacy') {
      expect(performance.now() - started).toBeLessThan(2000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await figway(['flags', 'list'], env)).stdout).toMatch(
      /Commitment\.status\s+cohort beta\s+legacy/,
    );
  });

  it('refuses a second gateway on the same data folder, naming the running one', async () => {
    await expect(startServe(env)).rejects.toThrow(/already running.*pid/s);
  });

  it('stops on SIGTERM with exit code 0 and releases the data folder', async () => {
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'gateway.json'))).toBe(false);
  });

  it('makes tokens while stopped, and restarts from the saved data folder', async () => {
    const token = await figway(['token', 'bob'], env);
    expect(token.code).toBe(0);
    const again = await startServe(env);
    try {
      const body = await queryAs(again.url, token.stdout.trim());
      expect(body.data.me).toEqual({ username: 'bob' });
      expect(typeof again.listening.startupMs).toBe('number');
    } finally {
      expect(await again.stop('SIGINT')).toBe(0);
    }
  });
});

describe('figway commands', () => {
  it('token names the demo users when asked for an unknown one', async () => {
    const result = await figway(['token', 'mallory'], { FIGWAY_DATA_DIR: join(tmpdir(), 'figway-unused') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no demo user called "mallory".*alice, bob, carol, dave, admin/);
  });

  it('schema check passes on the repository schema', async () => {
    const result = await figway(['schema', 'check'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`compatible with ${await newestSchemaLabel()}`);
  });

  it('refuses to start with a configuration it cannot use, naming the setting', async () => {
    const result = await figway(['serve'], { SUPABASE_URL: 'https://example.supabase.co' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SUPABASE_ANON_KEY/);
  });

  it('refuses to start when the flags file is malformed, naming the file and the flag', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-badflags-'));
    const flags = join(dataDir, 'flags.json');
    await writeFile(
      flags,
      JSON.stringify({
        version: 2,
        features: [
          {
            name: 'figway.Query.me',
            enabled: true,
            strategies: [{ name: 'default', variants: [{ name: 'on', weight: 1000 }] }],
          },
        ],
      }),
    );
    try {
      const result = await figway(['serve'], {
        FIGWAY_DATA_DIR: dataDir,
        FIGWAY_FLAGS_FILE: flags,
        PORT: '0',
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `${flags}: flag figway.Query.me serves variant "on", which is not a stage`,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 2 with the usage for an unknown command', async () => {
    const result = await figway(['frobnicate'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
