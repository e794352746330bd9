import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue, writeDefinitions } from '../../../src/routing/flagFiles.ts';
import { pushDefinitions } from '../../../src/routing/unleashAdmin.ts';
import { eventually } from '../../support/eventually.ts';
import { figway } from '../../support/figwayProcess.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../../support/unleashServer.ts';
import { adminOf, stagedDefinitions, storedFlag } from './stagedDefinitions.ts';

const available = await unleashAvailable();

const DOCUMENTS_FLAG = 'figway.Commitment.documents';
const PUSHED = /^Pushed .+: (\d+) created, (\d+) updated, (\d+) unchanged\.$/m;

describe.runIf(available)('figway flags against a real Unleash server', () => {
  let server: UnleashServer;
  let dataDir: string;
  let units: number;
  beforeAll(async () => {
    [server, dataDir] = await Promise.all([
      startUnleashServer(),
      mkdtemp(join(tmpdir(), 'figway-unleash-cli-')),
    ]);
    const catalogue = await readCatalogue();
    units = catalogue.length;
    await pushDefinitions(catalogue, await stagedDefinitions(), adminOf(server));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const listEnv = () => ({
    UNLEASH_URL: server.url,
    UNLEASH_API_TOKEN: server.clientToken,
    FIGWAY_DATA_DIR: dataDir,
  });

  describe('figway flags list', () => {
    it("shows each unit's stages per cohort and user as the server serves them", async () => {
      const listed = await figway(['flags', 'list'], listEnv());
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^Commitment\.status\s+cohort beta\s+live\n\s+everyone else\s+legacy$/m);
      expect(listed.stdout).toMatch(/^Query\.commitment\s+users alice\s+shadow$/m);
      expect(listed.stdout).toMatch(/^Commitment\.parties\s+everyone \(flag off\)\s+legacy$/m);
    });

    it('prints every catalogue unit as JSON with --json', async () => {
      const listed = await figway(['flags', 'list', '--json'], listEnv());
      expect(listed.code).toBe(0);
      const parsed = JSON.parse(listed.stdout) as Array<{ unit: string; lines: unknown[] }>;
      expect(parsed).toHaveLength(units);
      expect(parsed.find((unit) => unit.unit === 'Commitment.status')?.lines).toEqual([
        {
          who: 'cohort beta',
          stage: 'live',
          served: [{ variant: 'live', stage: 'live', percent: 100 }],
          scope: { kind: 'cohorts', cohorts: ['beta'] },
        },
        { who: 'everyone else', stage: 'legacy', served: [], scope: { kind: 'unit' } },
      ]);
    });
  });

  describe('figway flags push', () => {
    const pushEnv = () => ({
      UNLEASH_URL: server.url,
      UNLEASH_ADMIN_TOKEN: server.adminToken,
      FIGWAY_DATA_DIR: dataDir,
    });

    it('runs with only UNLEASH_URL and UNLEASH_ADMIN_TOKEN set, as its usage says', async () => {
      const file = join(dataDir, 'staged.json');
      await writeDefinitions(file, await stagedDefinitions());
      const pushed = await figway(['flags', 'push', '--file', file], pushEnv());
      expect(pushed.stderr).toBe('');
      expect(pushed.code).toBe(0);
      expect(pushed.stdout).toMatch(PUSHED);
    });

    it('pushes a changed definitions file, then finds nothing to change the second time', async () => {
      const file = join(dataDir, 'documents.json');
      await writeDefinitions(
        file,
        await stagedDefinitions([
          {
            flag: DOCUMENTS_FLAG,
            rule: { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'dualwrite' },
          },
        ]),
      );
      // A gateway's environment also holds the client token; push must work there too.
      const env = { ...pushEnv(), UNLEASH_API_TOKEN: server.clientToken };

      const first = await figway(['flags', 'push', '--file', file], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const [, created, updated, unchanged] = (first.stdout.match(PUSHED) ?? []).map(Number);
      expect(created).toBe(0);
      expect(updated).toBeGreaterThanOrEqual(1);
      expect((created ?? 0) + (updated ?? 0) + (unchanged ?? 0)).toBe(units);
      expect((await storedFlag(server, DOCUMENTS_FLAG)).strategies).toMatchObject([
        { constraints: [{ contextName: 'cohort', values: ['beta'] }], variants: [{ name: 'dualwrite' }] },
      ]);
      // Unleash's client API follows admin changes with a short delay of its own.
      const shown = /^Commitment\.documents\s+cohort beta\s+dualwrite$/m;
      const listed = await eventually(
        () => figway(['flags', 'list'], listEnv()),
        (result) => shown.test(result.stdout),
        5000,
      );
      expect(listed.stdout).toMatch(shown);

      const second = await figway(['flags', 'push', '--file', file], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`: 0 created, 0 updated, ${units} unchanged.`);
    });
  });
});
