import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import { loadConfig } from '../../src/config.ts';
import type { PromotionCheck } from '../../src/reports/promotionCheck.ts';
import { readCatalogue, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { pushDefinitions } from '../../src/routing/unleashAdmin.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { keyedHash } from '../../src/shadow/redact.ts';
import {
  insertObservations,
  observation,
  type StoredObservation,
  times,
} from '../reports/insertObservations.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { eventually } from '../support/eventually.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';
import { flagsWith } from '../support/stageFlags.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../support/unleashServer.ts';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

// PGlite serves one process: open the data folder's store, add rows, close it before the CLI runs.
async function store(dataDir: string, rows: readonly StoredObservation[]): Promise<void> {
  const db = await openPgliteDatabase(join(dataDir, 'pglite'));
  try {
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    await insertObservations(db, rows);
  } finally {
    await db.close();
  }
}

async function check(args: string[], env: Record<string, string>) {
  const result = await figway(['flags', 'check', ...args], env);
  if (result.code !== 0 && result.code !== 1) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result;
}

async function checkJson(env: Record<string, string>): Promise<{ code: number; check: PromotionCheck }> {
  const result = await check(['--json'], env);
  return { code: result.code, check: JSON.parse(result.stdout) as PromotionCheck };
}

describe('figway flags check in the embedded default', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let salt: string;
  let gateway: ServeProcess | undefined;

  beforeAll(async () => {
    dataDir = await freshDataDir('figway-check-');
    env = { FIGWAY_DATA_DIR: dataDir };
    salt = loadConfig(env).shadow.salt ?? '';
    const flags = await flagsWith({
      'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
      'Query.commitment': [
        { selector: { kind: 'users', userIds: [demoUser('alice').id] }, stage: 'complete' },
      ],
      'Profile.username': [{ selector: { kind: 'percent', percent: 25 }, stage: 'rampdown' }],
      'Commitment.parties': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'shadow' }],
    });
    await writeDefinitions(join(dataDir, 'flags.json'), flags);
  });
  afterAll(async () => {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 1 naming each rule at live or later that has no observations', async () => {
    const result = await check([], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/3 of 3 rules at live, rampdown or complete moved without evidence/);
    expect(result.stdout).toMatch(
      /^Commitment\.status {2}cohort beta -> live\n {2}evidence: cohort beta, 0 samples: HOLD\. Only 0 of the 100 samples needed/m,
    );
    expect(result.stdout).toMatch(
      /^Query\.commitment {2}users alice -> complete\n {2}evidence: users alice, 0 samples: HOLD/m,
    );
    expect(result.stdout).toMatch(
      /^Profile\.username {2}25% of users \(stickiness userId\) -> rampdown\n {2}evidence: every observation of the unit \(observations do not record which rule picked the user\)/m,
    );
    // shadow is not a promotion: Commitment.parties is not checked.
    expect(result.stdout).not.toContain('Commitment.parties');
  });

  it('exits 2 with the reason, not 1, when the check cannot run', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'figway-check-broken-'));
    try {
      await writeFile(join(broken, 'flags.json'), '{ not json');
      const result = await figway(['flags', 'check'], { FIGWAY_DATA_DIR: broken });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^figway flags check: could not check: .*flags\.json/m);
      expect(result.stdout).toBe('');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('counts only the cohort and users a rule names, and prints the list as JSON', async () => {
    await store(dataDir, [
      ...times(100, (i) => observation(minutesAgo(i + 1))),
      ...times(100, (i) =>
        observation(minutesAgo(i + 1), {
          unit: 'Query.commitment',
          cohort: 'general',
          userHash: keyedHash(demoUser('bob').id, salt),
        }),
      ),
    ]);
    const { code, check: result } = await checkJson(env);
    expect(code).toBe(1);
    expect(result.checked.map(({ unit, verdict, samples }) => ({ unit, verdict, samples }))).toEqual([
      { unit: 'Query.commitment', verdict: 'hold', samples: 0 },
      { unit: 'Commitment.status', verdict: 'ready', samples: 100 },
      { unit: 'Profile.username', verdict: 'hold', samples: 0 },
    ]);
    expect(result.withoutEvidence.map((rule) => rule.unit)).toEqual(['Query.commitment', 'Profile.username']);
    expect(result.withoutEvidence[0]).toMatchObject({
      flag: 'figway.Query.commitment',
      who: 'users alice',
      stages: ['complete'],
      evidence: { kind: 'users', users: ['alice'], userHashes: [keyedHash(demoUser('alice').id, salt)] },
    });
  });

  it('exits 0 once every rule has a ready verdict', async () => {
    await store(dataDir, [
      ...times(100, (i) =>
        observation(minutesAgo(i + 1), {
          unit: 'Query.commitment',
          userHash: keyedHash(demoUser('alice').id, salt),
        }),
      ),
      ...times(100, (i) => observation(minutesAgo(i + 1), { unit: 'Profile.username', cohort: 'general' })),
    ]);
    const result = await check([], env);
    expect(result.stdout).toMatch(/every rule at live, rampdown or complete has a ready verdict \(3 rules/);
    expect(result.code).toBe(0);
  });

  it('judges only the period --since gives', async () => {
    const result = await check(['--since', '30m', '--json'], env);
    expect(result.code).toBe(1);
    const status = (JSON.parse(result.stdout) as PromotionCheck).checked.find(
      (rule) => rule.unit === 'Commitment.status',
    );
    // One observation a minute, from a minute ago: about 30 of the 100 in the last 30 minutes.
    expect(status?.samples).toBeGreaterThanOrEqual(28);
    expect(status?.samples).toBeLessThanOrEqual(30);
    expect(status?.verdict).toBe('hold');
    const bad = await figway(['flags', 'check', '--since', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since yesterday is not a duration/);
  });

  it('goes through the running gateway, which follows a flag moved while it runs', async () => {
    gateway = await startServe(env);
    const through = await checkJson(env);
    expect(through.code).toBe(0);
    expect(through.check.checked).toHaveLength(3);
    const moved = await figway(['flags', 'set', 'Query.me', 'live', '--cohort', 'staff'], env);
    expect(moved.code).toBe(0);
    const after = await eventually(
      () => checkJson(env),
      (answer) => answer.code === 1,
      10_000,
    );
    expect(after.check.withoutEvidence).toMatchObject([
      {
        unit: 'Query.me',
        who: 'cohort staff',
        evidence: { kind: 'cohort', cohort: 'staff' },
        verdict: 'hold',
      },
    ]);
  }, 120_000);
});

const available = await unleashAvailable();

describe.runIf(available)('figway flags check against a real Unleash server', () => {
  let server: UnleashServer;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [server, dataDir] = await Promise.all([startUnleashServer(), freshDataDir('figway-check-unleash-')]);
    const flags = await flagsWith({
      'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
    });
    await pushDefinitions(await readCatalogue(), flags, { url: server.url, token: server.adminToken });
    env = { UNLEASH_URL: server.url, UNLEASH_API_TOKEN: server.clientToken, FIGWAY_DATA_DIR: dataDir };
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('lists a cohort made live in Unleash without evidence, and passes once its verdict is ready', async () => {
    // Unleash's client API follows admin changes with a short delay of its own.
    const before = await eventually(
      () => checkJson(env),
      (answer) => answer.check.checked.length > 0,
      10_000,
    );
    expect(before.code).toBe(1);
    expect(before.check.withoutEvidence).toMatchObject([
      {
        unit: 'Commitment.status',
        flag: 'figway.Commitment.status',
        who: 'cohort beta',
        stages: ['live'],
        evidence: { kind: 'cohort', cohort: 'beta' },
        samples: 0,
        verdict: 'hold',
      },
    ]);
    const text = await check([], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Commitment\.status {2}cohort beta -> live$/m);

    await store(
      dataDir,
      times(100, (i) => observation(minutesAgo(i + 1))),
    );
    const after = await checkJson(env);
    expect(after.code).toBe(0);
    expect(after.check.withoutEvidence).toEqual([]);
    expect(after.check.checked).toMatchObject([
      { unit: 'Commitment.status', verdict: 'ready', samples: 100 },
    ]);
  }, 60_000);
});
