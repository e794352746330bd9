import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FLAGS_DIR } from '../src/routing/flagFiles.ts';

/**
 * Writes to `path` a copy of the shipped flags/catalogue.json with every unit's
 * `shadow.sampleRate` set to `rate` (its other shadow settings kept), for
 * FIGWAY_CATALOGUE_FILE.
 */
export async function writeSampledCatalogue(path: string, rate: number): Promise<void> {
  const catalogue = JSON.parse(await readFile(join(FLAGS_DIR, 'catalogue.json'), 'utf8')) as {
    units: Array<{ shadow?: Record<string, unknown> }>;
  };
  for (const unit of catalogue.units) unit.shadow = { ...unit.shadow, sampleRate: rate };
  await writeFile(path, `${JSON.stringify(catalogue, null, 2)}\n`);
}
