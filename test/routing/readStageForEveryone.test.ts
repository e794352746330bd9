import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGS_DIR } from '../../src/config.ts';
import type { FlagDefinitions } from '../../src/routing/flagFiles.ts';
import { readStageForEveryone } from '../../src/routing/readStageForEveryone.ts';
import { strategyOf } from '../../src/routing/stageRules.ts';

const UNIT = 'Mutation.updateCommitmentStatus';
const RENAMED = 'team.commitments.status-writes';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'figway-stage-for-everyone-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readStageForEveryone', () => {
  it('reads the flag the configured catalogue names, as the gateways do', async () => {
    // A catalogue (FIGWAY_CATALOGUE_FILE) that gives the unit a flag of another name,
    // and a flags file where that flag puts everyone at complete.
    const catalogue = JSON.parse(await readFile(join(FLAGS_DIR, 'catalogue.json'), 'utf8')) as {
      units: Array<{ unit: string; flag: string }>;
    };
    for (const entry of catalogue.units) if (entry.unit === UNIT) entry.flag = RENAMED;
    const catalogueFile = join(dir, 'catalogue.json');
    await writeFile(catalogueFile, JSON.stringify(catalogue));
    const shipped = JSON.parse(
      await readFile(join(FLAGS_DIR, 'definitions.json'), 'utf8'),
    ) as FlagDefinitions;
    const definitions: FlagDefinitions = {
      ...shipped,
      features: [
        ...shipped.features,
        {
          name: RENAMED,
          enabled: true,
          strategies: [strategyOf(RENAMED, { selector: { kind: 'everyone' }, stage: 'complete' })],
          variants: [],
        },
      ],
    };
    const path = join(dir, 'definitions.json');
    await writeFile(path, JSON.stringify(definitions));
    const flags = { kind: 'file' as const, path, pollMs: 1000 };

    await expect(readStageForEveryone(flags, UNIT, catalogueFile)).resolves.toBe('complete');
    // Under the shipped catalogue the unit's flag is figway.Mutation.updateCommitmentStatus, off.
    await expect(readStageForEveryone(flags, UNIT, null)).resolves.toBe('legacy');
  });
});
