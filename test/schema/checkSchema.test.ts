import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/schema/checkSchema.ts';
import { publishSchema } from '../../src/schema/publishSchema.ts';
import { readCurrentSdl, readPublishedSchemas, SCHEMA_DIR } from '../../src/schema/schemaFiles.ts';
import { schemaVersion } from '../../src/schema/schemaVersion.ts';

describe('checkSchema', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'figway-schema-'));
    await cp(SCHEMA_DIR, dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function edit(file: string, change: (sdl: string) => string) {
    const path = join(dir, file);
    await writeFile(path, change(await readFile(path, 'utf8')));
  }

  it('finds the repository schema compatible with the newest published version', async () => {
    const result = await checkSchema();
    expect(result.base?.label).toBe((await readPublishedSchemas()).at(-1)?.label);
    expect(result.breaking).toEqual([]);
  });

  it('keeps every published version compatible with the one before it', async () => {
    const published = await readPublishedSchemas();
    expect(published.map((version) => version.label)).toEqual(published.map((_, index) => `v${index + 1}`));
    for (const [index, version] of published.entries()) {
      const before = published[index - 1];
      if (before === undefined) continue;
      expect(findBreakingChanges(buildSchema(before.sdl), buildSchema(version.sdl)), version.label).toEqual(
        [],
      );
    }
  });

  it('reports a removed field as breaking', async () => {
    await edit('commitment.graphql', (sdl) => sdl.replace('  terms: String!\n  createdAt', '  createdAt'));
    const result = await checkSchema(dir);
    expect(result.breaking.map((change) => change.type)).toContain('FIELD_REMOVED');
    expect(result.breaking.map((change) => change.description).join()).toMatch(/Commitment\.terms/);
  });

  it('reports a new required argument and a narrowed type as breaking', async () => {
    await edit('operations.graphql', (sdl) =>
      sdl
        .replace('commitment(id: ID!): Commitment', 'commitment(id: ID!, asOf: DateTime!): Commitment')
        .replace('me: Profile', 'me: Int'),
    );
    const types = (await checkSchema(dir)).breaking.map((change) => change.type);
    expect(types).toEqual(expect.arrayContaining(['REQUIRED_ARG_ADDED', 'FIELD_CHANGED_KIND']));
  });

  it('passes additive changes and labels the served version <newest>+<hash>', async () => {
    await edit('commitment.graphql', (sdl) =>
      sdl.replace('  terms: String!', '  terms: String!\n  "Where it applies."\n  jurisdiction: String'),
    );
    const result = await checkSchema(dir);
    expect(result.breaking).toEqual([]);
    expect(result.changed).toBe(true);
    const label = schemaVersion(await readCurrentSdl(dir), await readPublishedSchemas(dir));
    expect(label).toMatch(new RegExp(`^${result.base?.label}\\+[0-9a-f]{8}$`));
  });

  it('publishes an additive change as v2 and refuses a breaking one', async () => {
    await edit('profile.graphql', (sdl) =>
      sdl.replace('  avatarUrl: String', '  avatarUrl: String\n  bio: String'),
    );
    const next = `v${((await readPublishedSchemas(dir)).at(-1)?.number ?? 0) + 1}`;
    expect(await publishSchema({ dir })).toMatchObject({ kind: 'published', label: next });
    expect(await publishSchema({ dir })).toEqual({ kind: 'unchanged', label: next });
    expect(schemaVersion(await readCurrentSdl(dir), await readPublishedSchemas(dir))).toBe(next);
    await edit('profile.graphql', (sdl) => sdl.replace('  bio: String\n', ''));
    expect(await publishSchema({ dir })).toMatchObject({ kind: 'refused' });
  });
});
