import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import type { Database } from '../../src/core/database.ts';
import type { ShadowReport } from '../../src/reports/shadowReportTypes.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from '../reports/insertObservations.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { figway } from '../support/figwayProcess.ts';

const engines = await testEngines();
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

async function fill(db: Database) {
  await applyMigrations(db, OBSERVATION_MIGRATIONS);
  await insertObservations(db, [
    ...times(120, (i) => observation(minutesAgo(60 + i))),
    ...times(30, (i) =>
      observation(minutesAgo(5 + i / 10), {
        unit: 'Query.commitment',
        cohort: 'general',
        stage: 'live',
        control: 'target',
      }),
    ),
    ...times(10, (i) =>
      observation(minutesAgo(5 + i / 10), {
        unit: 'Query.commitment',
        cohort: 'general',
        stage: 'live',
        control: 'target',
        outcome: 'candidate_error',
        candidateError: 'connection refused',
      }),
    ),
    observation(minutesAgo(2 * 24 * 60), { unit: 'Commitment.title' }),
  ]);
}

/**
 * Environment for `figway report` on `engine`: an embedded data folder whose PGlite
 * holds the observations, or a hosted configuration with OBSERVATIONS_DATABASE_URL.
 */
async function environmentFor(
  engine: TestEngine,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (engine.name === 'pglite') {
    const dataDir = await freshDataDir('figway-report-');
    // PGlite serves one process: fill it, then close it before the CLI opens it.
    const db = await openPgliteDatabase(join(dataDir, 'pglite'));
    try {
      await fill(db);
    } finally {
      await db.close();
    }
    return { env: { FIGWAY_DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const created = await engine.create();
  await fill(created.db);
  return {
    env: {
      SUPABASE_DB_URL: created.url ?? '',
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-report-test-of-40-chars',
      OBSERVATIONS_DATABASE_URL: created.url ?? '',
    },
    drop: created.drop,
  };
}

describe.each(engines)('figway report ($name)', (engine) => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ env, drop } = await environmentFor(engine));
  });
  afterAll(async () => {
    await drop();
  });

  it('prints the report of the last 24 hours as JSON', async () => {
    const result = await figway(['report', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ShadowReport;
    expect(Date.now() - Date.parse(report.since)).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(Date.now() - Date.parse(report.since)).toBeLessThan(25 * 3_600_000);
    expect(report.units.map((unit) => [unit.unit, unit.cohort, unit.samples, unit.verdict])).toEqual([
      ['Commitment.status', 'beta', 120, 'ready'],
      ['Query.commitment', 'general', 40, 'rollback'],
    ]);
    if (engine.name === 'pglite')
      expect(existsSync(join(env.FIGWAY_DATA_DIR ?? '', 'gateway.json'))).toBe(false);
  });

  it('honours --since and --unit', async () => {
    const week = await figway(['report', '--json', '--since', '7d', '--unit', 'Commitment.title'], env);
    expect(week.code, week.stderr).toBe(0);
    expect((JSON.parse(week.stdout) as ShadowReport).units).toEqual([
      expect.objectContaining({ unit: 'Commitment.title', samples: 1, verdict: 'hold' }),
    ]);
    const recent = await figway(['report', '--json', '--since', '30m'], env);
    expect((JSON.parse(recent.stdout) as ShadowReport).units.map((unit) => unit.unit)).toEqual([
      'Query.commitment',
    ]);
  });

  it('prints the report as text within 80 columns', async () => {
    const result = await figway(['report'], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(lines.find((line) => line.startsWith('Commitment.status  cohort beta'))).toMatch(/READY$/);
    expect(lines.find((line) => line.startsWith('Query.commitment  cohort general'))).toMatch(/ROLLBACK$/);
    expect(result.stdout).toContain('candidate errors 25%');
  });
});

describe('figway report usage', () => {
  it('exits 2 with the usage for a --since it cannot read', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-report-usage-'));
    try {
      for (const args of [['--since', 'yesterday'], ['--since'], ['--verbose']]) {
        const result = await figway(['report', ...args], { FIGWAY_DATA_DIR: dataDir });
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toMatch(/usage: figway report/);
      }
      // Nothing was opened: a bad argument changes nothing.
      expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('names OBSERVATIONS_DATABASE_URL when a hosted configuration lacks it', async () => {
    const result = await figway(['report'], {
      SUPABASE_DB_URL: 'postgres://postgres@127.0.0.1:5432/test',
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-report-test-of-40-chars',
      OBSERVATIONS_DATABASE_URL: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OBSERVATIONS_DATABASE_URL is not set/);
  });
});
