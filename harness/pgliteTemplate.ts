import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';

/** Where test/globalSetup.ts leaves the run's fresh PGlite cluster, dumped. */
export const PGLITE_TEMPLATE_ENV = 'FIGWAY_TEST_PGLITE_TEMPLATE';
/** Where test/globalSetup.ts leaves the same cluster as a data directory. */
export const PGLITE_CLUSTER_DIR_ENV = 'FIGWAY_TEST_PGLITE_CLUSTER';

/**
 * Initializes a PGlite cluster (in `dataDir` when given, else in memory) and dumps it,
 * uncompressed, as `dumpDataDir` makes it.
 */
export async function dumpFreshCluster(dataDir?: string): Promise<Blob> {
  const pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  try {
    return await pglite.dumpDataDir('none');
  } finally {
    await pglite.close();
  }
}

let template: Promise<Blob> | undefined;

/**
 * A fresh PGlite cluster for in-memory test databases to load instead of each running
 * initdb (about 3 s of CPU on the 2-core machine; loading the dump about 0.6 s). Under
 * vitest it is the file the global setup dumped once for the whole run; elsewhere (the
 * benchmarks) it is dumped once per process.
 */
export function freshPgliteCluster(): Promise<Blob> {
  template ??= loadTemplate();
  return template;
}

async function loadTemplate(): Promise<Blob> {
  const path = process.env[PGLITE_TEMPLATE_ENV];
  if (path === undefined || path === '') return dumpFreshCluster();
  return new Blob([await readFile(path)]);
}
