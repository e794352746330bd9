// A Mutation unit takes one stage for everyone: flags files, the request router, figway flags, the shipped flags and a real Unleash server refuse or ignore rules for some users only.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { describeFlags } from '../../src/routing/describeFlags.ts';
import {
  FLAGS_DIR,
  parseDefinitions,
  readDefinitions,
  writeDefinitions,
} from '../../src/routing/flagFiles.ts';
import { createRequestRouter } from '../../src/routing/requestRouter.ts';
import { type RuleSelector, strategyOf } from '../../src/routing/stageRules.ts';
import type { StageSource } from '../../src/routing/stageSource.ts';
import {
  createUnleashFileStageSource,
  createUnleashServerStageSource,
} from '../../src/routing/unleashStageSources.ts';
import { figway } from '../support/figwayProcess.ts';
import { flagsWith } from '../support/stageFlags.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../support/unleashServer.ts';
import {
  BETA_LIVE,
  catalogue,
  MUTATION,
  MUTATION_FLAG,
  offlineSource,
  REFUSAL,
  stageOf,
  units,
  viewerOf,
  withStrategy,
} from './mutationAuthorityFixture.ts';
import { adminOf, strategiesPath } from './unleash/stagedDefinitions.ts';

describe('flags files', () => {
  it('refuse a cohort, users or percentage rule on a Mutation flag, naming the flag and why', async () => {
    const selectors: RuleSelector[] = [
      { kind: 'cohort', cohort: 'beta' },
      { kind: 'users', userIds: [demoUser('alice').id] },
      { kind: 'percent', percent: 10 },
    ];
    for (const selector of selectors) {
      const definitions = await flagsWith({ [MUTATION]: [{ selector, stage: 'live' }] });
      expect(() => parseDefinitions(definitions, 'flags.json')).toThrow(
        new RegExp(`flags.json: flag ${MUTATION_FLAG.replaceAll('.', '\\.')} has a rule for some users only`),
      );
      expect(() => parseDefinitions(definitions, 'flags.json')).toThrow(REFUSAL);
    }
  });

  it('accept a rule for everyone on a Mutation flag, and cohort rules on read units', async () => {
    const definitions = await flagsWith({
      [MUTATION]: [{ selector: { kind: 'everyone' }, stage: 'live' }],
      'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
    });
    expect(parseDefinitions(definitions, 'flags.json').features).toHaveLength(definitions.features.length);
  });

  describe('read by a file-backed stage source', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'figway-mutation-flags-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('refuse to load, and a reload that adds one is rejected while the last good flags keep serving', async () => {
      const bad = join(dir, 'bad.json');
      await writeDefinitions(bad, withStrategy(await flagsWith({}), MUTATION_FLAG, BETA_LIVE));
      await expect(readDefinitions(bad)).rejects.toThrow(REFUSAL);
      await expect(
        createUnleashFileStageSource({ path: bad, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(REFUSAL);

      const good = join(dir, 'good.json');
      const everyone = await flagsWith({
        [MUTATION]: [{ selector: { kind: 'everyone' }, stage: 'dualwrite' }],
      });
      await writeDefinitions(good, everyone);
      const source = await createUnleashFileStageSource({
        path: good,
        pollMs: 20,
        logger: pino({ level: 'silent' }),
      });
      try {
        expect(stageOf(source, 'alice', MUTATION)).toBe('dualwrite');
        const reloaded = source.nextReload?.();
        await writeFile(good, JSON.stringify(withStrategy(everyone, MUTATION_FLAG, BETA_LIVE)));
        await expect(reloaded).resolves.toBe('rejected');
        expect(stageOf(source, 'alice', MUTATION)).toBe('dualwrite');
      } finally {
        await source.close();
      }
    });
  });
});

describe('the request router', () => {
  it('gives alice (beta) and bob (general) one stage for a Mutation unit while their reads differ by cohort', async () => {
    const source = await offlineSource(
      await flagsWith({
        [MUTATION]: [{ selector: { kind: 'everyone' }, stage: 'shadow' }],
        'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
        'Query.commitment': [
          { selector: { kind: 'users', userIds: [demoUser('bob').id] }, stage: 'complete' },
        ],
      }),
    );
    try {
      expect(stageOf(source, 'alice', 'Commitment.status')).toBe('live');
      expect(stageOf(source, 'bob', 'Commitment.status')).toBe('legacy');
      expect(stageOf(source, 'bob', 'Query.commitment')).toBe('complete');
      expect(stageOf(source, 'alice', MUTATION)).toBe('shadow');
      expect(stageOf(source, 'bob', MUTATION)).toBe('shadow');
    } finally {
      await source.close();
    }
  });

  it('ignores per-user rules that reach a Mutation flag anyway (made in Unleash), ahead of the rule for everyone', async () => {
    const everyone = await flagsWith({
      [MUTATION]: [{ selector: { kind: 'everyone' }, stage: 'dualwrite' }],
    });
    const percent = strategyOf(MUTATION_FLAG, {
      selector: { kind: 'percent', percent: 50 },
      stage: 'complete',
    });
    const source = await offlineSource(
      withStrategy(withStrategy(everyone, MUTATION_FLAG, percent), MUTATION_FLAG, BETA_LIVE),
    );
    try {
      // Evaluated per user, as a read unit's flag is, alice would be live.
      expect(
        source.decide(MUTATION_FLAG, { userId: demoUser('alice').id, properties: { cohort: 'beta' } }),
      ).toEqual({ stage: 'live', reason: 'variant' });
      for (const user of ['alice', 'bob', 'carol', 'dave'])
        expect(stageOf(source, user, MUTATION)).toBe('dualwrite');
    } finally {
      await source.close();
    }
  });

  it('never applies a forced stage to a Mutation unit, while a read unit takes its forced stage', () => {
    const everyoneDualwrite: StageSource = {
      decide: () => ({ stage: 'dualwrite', reason: 'variant' }),
      close: async () => {},
    };
    const router = createRequestRouter(viewerOf('alice'), {
      source: everyoneDualwrite,
      catalogue: units,
      targetsAvailable: true,
      forced: new Map([
        [MUTATION, 'complete'],
        ['Commitment.status', 'complete'],
      ]),
      onFlagProblem: () => {},
      onRouteFallback: () => {},
    });
    expect(router.stageOf(MUTATION)).toBe('dualwrite');
    expect(router.stageOf('Commitment.status')).toBe('complete');
    router.record(MUTATION, 'dualwrite', 'legacy');
    router.record('Commitment.status', 'complete', 'target');
    expect(router.routes).toEqual({
      [MUTATION]: { stage: 'dualwrite', backend: 'legacy' },
      'Commitment.status': { stage: 'complete', backend: 'target', forced: true },
    });
  });

  it('serves legacy to everyone when a Mutation flag holds only per-user rules', async () => {
    const source = await offlineSource(withStrategy(await flagsWith({}), MUTATION_FLAG, BETA_LIVE));
    try {
      expect(stageOf(source, 'alice', MUTATION)).toBe('legacy');
      expect(stageOf(source, 'bob', MUTATION)).toBe('legacy');
    } finally {
      await source.close();
    }
  });
});

describe('figway flags', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'figway-mutation-cli-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('refuses a cohort, users or percentage on a Mutation unit with code 2, saying why, and changes nothing', async () => {
    const env = { FIGWAY_DATA_DIR: dataDir };
    expect((await figway(['flags', 'set', MUTATION, 'dualwrite'], env)).code).toBe(0);
    const flagsFile = join(dataDir, 'flags.json');
    const before = await readFile(flagsFile, 'utf8');
    for (const selector of [
      ['--cohort', 'beta'],
      ['--users', 'alice'],
      ['--percent', '10'],
    ]) {
      const refused = await figway(['flags', 'set', MUTATION, 'live', ...selector], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(REFUSAL);
    }
    const pattern = await figway(['flags', 'set', 'Mutation.*', 'live', '--cohort', 'beta'], env);
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toMatch(/Move it for everyone: figway flags set Mutation\.\* live/);
    expect(await readFile(flagsFile, 'utf8')).toBe(before);

    const listed = await figway(['flags', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^Mutation\.updateCommitmentStatus\s+everyone\s+dualwrite$/m);
    expect(listed.stdout).toMatch(/^Mutation\.addParty\s+everyone \(flag off\)\s+legacy$/m);
  }, 60_000);
});

describe('the flags file shipped in flags/', () => {
  it('describes each Mutation unit with one line for everyone', async () => {
    const described = describeFlags(catalogue, await readDefinitions(`${FLAGS_DIR}/definitions.json`));
    for (const unit of described.filter((entry) => entry.unit.startsWith('Mutation.')))
      expect(unit.lines).toMatchObject([{ who: 'everyone (flag off)', stage: 'legacy', served: [] }]);
  });
});

const available = await unleashAvailable();

describe.runIf(available)('a real Unleash server', () => {
  let server: UnleashServer;
  let source: StageSource;
  beforeAll(async () => {
    server = await startUnleashServer();
    const { pushDefinitions } = await import('../../src/routing/unleashAdmin.ts');
    await pushDefinitions(
      catalogue,
      await flagsWith({
        [MUTATION]: [{ selector: { kind: 'everyone' }, stage: 'dualwrite' }],
        'Commitment.status': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' }],
      }),
      adminOf(server),
    );
    // The rule figway flags set refuses, made in Unleash by hand, ahead of the rule for everyone.
    await server.admin('POST', strategiesPath(MUTATION_FLAG), { ...BETA_LIVE, sortOrder: -1 });
    source = createUnleashServerStageSource({
      url: server.url,
      token: server.clientToken,
      refreshMs: 200,
      logger: pino({ level: 'silent' }),
    });
  }, 120_000);
  afterAll(async () => {
    await source?.close();
    await server?.stop();
  }, 60_000);

  it("keeps a beta user's Mutation stage at the stage for everyone despite a cohort-constrained strategy", async () => {
    const alice = { userId: demoUser('alice').id, properties: { cohort: 'beta', role: 'authenticated' } };
    // Once the client holds the cohort strategy, a per-user evaluation would put alice at live...
    await vi.waitFor(() => expect(source.decide(MUTATION_FLAG, alice).stage).toBe('live'), {
      timeout: 15_000,
      interval: 50,
    });
    expect(stageOf(source, 'alice', 'Commitment.status')).toBe('live');
    // ...but the router decides a Mutation unit for everyone.
    expect(stageOf(source, 'alice', MUTATION)).toBe('dualwrite');
    expect(stageOf(source, 'bob', MUTATION)).toBe('dualwrite');
  });

  it('lists the cohort strategy on the Mutation flag as ignored', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-mutation-unleash-'));
    const env = { UNLEASH_URL: server.url, UNLEASH_API_TOKEN: server.clientToken, FIGWAY_DATA_DIR: dataDir };
    const listed = await figway(['flags', 'list'], env).finally(() => rm(dataDir, { recursive: true }));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^Mutation\.updateCommitmentStatus\s+everyone\s+dualwrite$/m);
    expect(listed.stdout).toMatch(/^\s+cohort beta\s+live \(ignored\)$/m);
    expect(listed.stdout).toMatch(/1 rule is ignored: Mutation units take one stage for everyone/);
  }, 30_000);
});
