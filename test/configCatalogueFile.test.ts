import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvers } from '../resolvers/index.ts';
import { ConfigError, FLAGS_DIR, loadConfig } from '../src/config.ts';
import { createGatewayMetrics } from '../src/reports/gatewayMetrics.ts';
import { createRouting } from '../src/routing/createRouting.ts';
import { migratedUnits } from '../src/routing/migrate.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'figway-catalogue-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Routing as `figway serve` builds it, over the shipped flags file and the catalogue `file` names.
function routingWith(catalogueFile: string | null) {
  return createRouting({
    flags: { kind: 'file', path: join(FLAGS_DIR, 'definitions.json'), pollMs: 1000 },
    catalogueFile,
    resolverUnits: migratedUnits(resolvers),
    targetsAvailable: true,
    metrics: createGatewayMetrics(),
    logger: pino({ level: 'silent' }),
  });
}

async function shippedCatalogue(): Promise<{ units: Array<Record<string, unknown>> }> {
  return JSON.parse(await readFile(join(FLAGS_DIR, 'catalogue.json'), 'utf8'));
}

describe('loadConfig: FIGWAY_CATALOGUE_FILE', () => {
  it('uses the shipped catalogue when unset', () => {
    expect(loadConfig({}, '/tmp').catalogueFile).toBeNull();
  });

  it('resolves the file against the working directory', () => {
    expect(loadConfig({ FIGWAY_CATALOGUE_FILE: 'bench/catalogue.json' }, '/srv/app').catalogueFile).toBe(
      '/srv/app/bench/catalogue.json',
    );
  });
});

describe('createRouting: the catalogue FIGWAY_CATALOGUE_FILE names', () => {
  it('replaces flags/catalogue.json, shadow settings included', async () => {
    const catalogue = await shippedCatalogue();
    for (const unit of catalogue.units) unit.shadow = { ...(unit.shadow ?? {}), sampleRate: 0.1 };
    const file = join(dir, 'sampled.json');
    await writeFile(file, JSON.stringify(catalogue));
    const routing = await routingWith(file);
    try {
      expect(routing.catalogue.get('Commitment.status')?.shadow.sampleRate).toBe(0.1);
      expect(routing.catalogue.get('Query.commitments')?.shadow.orderedLists).toBe(true);
    } finally {
      await routing.close();
    }
  });

  it('keeps the shipped sample rates when unset', async () => {
    const routing = await routingWith(null);
    try {
      expect(routing.catalogue.get('Commitment.status')?.shadow.sampleRate).toBe(1);
    } finally {
      await routing.close();
    }
  });

  it('refuses a missing file, naming the setting and the file', async () => {
    const file = join(dir, 'missing.json');
    const opening = routingWith(file);
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(/^FIGWAY_CATALOGUE_FILE: Cannot read .*missing\.json/);
  });

  it('refuses a file that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "units": [');
    await expect(routingWith(file)).rejects.toThrow(
      /^FIGWAY_CATALOGUE_FILE: .*broken\.json is not valid JSON/,
    );
  });

  it('refuses a sample rate above 1, as the shipped catalogue would be refused', async () => {
    const catalogue = await shippedCatalogue();
    for (const unit of catalogue.units) unit.shadow = { sampleRate: 2 };
    const file = join(dir, 'wrong.json');
    await writeFile(file, JSON.stringify(catalogue));
    const opening = routingWith(file);
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(/FIGWAY_CATALOGUE_FILE: .*not a valid catalogue: .*sampleRate/);
  });

  it('refuses a catalogue that lacks a unit the resolvers migrate', async () => {
    const catalogue = await shippedCatalogue();
    catalogue.units = catalogue.units.filter((unit) => unit.unit !== 'Commitment.status');
    const file = join(dir, 'short.json');
    await writeFile(file, JSON.stringify(catalogue));
    await expect(routingWith(file)).rejects.toThrow(/Commitment\.status/);
  });
});
