import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagsModeOf, unleashSetRefusal, unleashUiUrl } from '../../src/cli/flagsHelp.ts';
import { figway } from '../support/figwayProcess.ts';

// Nothing listens there: help and the refusal of flags set never call Unleash.
const UNLEASH_URL = 'http://unleash.internal:4242/api';
const UI = 'http://unleash.internal:4242/';

describe('flagsModeOf', () => {
  it('is the flags file without UNLEASH_URL, or with it empty, as loadConfig reads it', () => {
    expect(flagsModeOf({})).toEqual({ kind: 'file' });
    expect(flagsModeOf({ UNLEASH_URL: '' })).toEqual({ kind: 'file' });
  });

  it("is Unleash with UNLEASH_URL, whose web UI is at the API's root", () => {
    expect(flagsModeOf({ UNLEASH_URL })).toEqual({ kind: 'unleash', uiUrl: UI });
    expect(unleashUiUrl('https://flags.example/unleash/api/')).toBe('https://flags.example/unleash/');
  });
});

describe('unleashSetRefusal', () => {
  it('turns each selector into the Gradual rollout the README steps make', () => {
    const flags = ['figway.Commitment.status'];
    const one = (text: string) => text.replace(/\s+/g, ' ');
    expect(
      one(unleashSetRefusal(UI, flags, { stage: 'live', selector: { kind: 'percent', percent: 25 } })),
    ).toContain('add a Gradual rollout at 25% with no constraint and one strategy variant named live');
    expect(
      one(
        unleashSetRefusal(UI, flags, { stage: 'shadow', selector: { kind: 'users', userIds: ['u1', 'u2'] } }),
      ),
    ).toContain('at 100% with the constraint userId is one of u1, u2 and one strategy variant named shadow');
    const wrapped = unleashSetRefusal(UI, ['figway.Profile.username', 'figway.Profile.createdAt'], {
      stage: 'complete',
      selector: { kind: 'everyone' },
    });
    expect(one(wrapped)).toContain(
      'on each of the flags figway.Profile.username, figway.Profile.createdAt, add',
    );
    expect(Math.max(...wrapped.split('\n').map((line) => line.length))).toBeLessThanOrEqual(92);
  });
});

describe('help that fits the mode', () => {
  let dataDir: string;
  const fileMode = () => ({ UNLEASH_URL: '', FIGWAY_DATA_DIR: dataDir });
  const unleashMode = () => ({ UNLEASH_URL, UNLEASH_API_TOKEN: 'client-token', FIGWAY_DATA_DIR: dataDir });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'figway-flags-help-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('figway --help points to figway flags set with the flags file', async () => {
    const help = await figway(['--help'], fileMode());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('flags list|set|push|check');
    expect(help.stdout).toMatch(/figway flags set\s+Commitment\.status live --cohort beta/);
    expect(help.stdout).not.toContain('In Unleash');
  });

  it("figway --help points to Unleash's web UI, never to flags set, with UNLEASH_URL", async () => {
    const help = await figway(['--help'], unleashMode());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('flags list|check|push');
    expect(help.stdout).toMatch(/move in Unleash's web UI \(the README's "In Unleash" steps\)/);
    expect(help.stdout).not.toContain('flags set');
  });

  it('figway flags --help lists set and shows a move with the flags file', async () => {
    const help = await figway(['flags', '--help'], fileMode());
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^ {2}set <unit> <stage> \[--cohort C/m);
    expect(help.stdout).toContain('  figway flags set Commitment.status live --cohort beta\n');
  });

  it('figway flags --help gives the Unleash UI steps, flags list and flags check with UNLEASH_URL', async () => {
    const help = await figway(['flags', '--help'], unleashMode());
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(`move a unit in its web UI, ${UI}, as the README's "In Unleash" steps say`);
    expect(text).toContain('a Gradual rollout at 100% with the constraint cohort is one of <cohort>');
    expect(text).toContain('one strategy variant named after the stage');
    expect(text).toContain('figway flags list then shows what figway serves each cohort');
    expect(text).toContain('figway flags check lists the units moved without shadow evidence');
    expect(help.stdout).toMatch(/^ {2}set {2,}refused while UNLEASH_URL is set/m);
    expect(help.stdout).not.toMatch(/figway flags set /);
  });

  it('an unknown flags command prints the usage on stderr and exits 2', async () => {
    const result = await figway(['flags', 'move'], unleashMode());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: figway flags <command>');
  });

  it('figway flags set refuses with UNLEASH_URL, saying how to make the same move in the UI, and writes nothing', async () => {
    const result = await figway(
      ['flags', 'set', 'Commitment.status', 'live', '--cohort', 'beta'],
      unleashMode(),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const text = result.stderr.replace(/\s+/g, ' ');
    expect(text).toContain(
      "figway flags set edits the embedded default's flags file, but the flags come from Unleash",
    );
    expect(text).toContain(
      `in Unleash's web UI, ${UI}: on the flag figway.Commitment.status, add a Gradual rollout at 100% with the constraint cohort is one of beta and one strategy variant named live, and switch the flag on`,
    );
    expect(text).toContain('figway flags list shows what figway serves each cohort');
    expect(text).toContain('figway flags check');
    expect(existsSync(join(dataDir, 'flags.json'))).toBe(false);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('figway flags set on a Mutation unit under Unleash asks for a strategy without constraint', async () => {
    const result = await figway(
      ['flags', 'set', 'Mutation.createCommitment', 'live', '--cohort', 'beta'],
      unleashMode(),
    );
    expect(result.code).toBe(2);
    const text = result.stderr.replace(/\s+/g, ' ');
    expect(text).toContain(
      'A Mutation unit takes one stage for everyone, so its strategy has no constraint.',
    );
    expect(text).toContain(
      'add a Gradual rollout at 100% with no constraint and one strategy variant named live',
    );
    expect(text).not.toContain('cohort is one of');
  });

  it('figway flags set still checks the unit first under Unleash', async () => {
    const result = await figway(['flags', 'set', 'Commitment.nope', 'live'], unleashMode());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No migration unit Commitment\.nope\. Units: Query\.me/);
  });
});
