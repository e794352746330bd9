import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpFreshCluster, PGLITE_CLUSTER_DIR_ENV, PGLITE_TEMPLATE_ENV } from '../harness/pgliteTemplate.ts';

// Runs once before the test files: initializes one PGlite cluster and leaves it both as
// a data directory, which test/support/dataDir.ts copies into new FIGWAY_DATA_DIRs, and
// dumped, which the in-memory test databases load (harness/pgliteTemplate.ts); neither
// then runs initdb of its own. The workers inherit both paths through the environment.
export default async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'figway-pglite-template-'));
  const cluster = join(dir, 'cluster');
  const dump = join(dir, 'fresh-cluster.tar');
  await writeFile(dump, new Uint8Array(await (await dumpFreshCluster(cluster)).arrayBuffer()));
  process.env[PGLITE_CLUSTER_DIR_ENV] = cluster;
  process.env[PGLITE_TEMPLATE_ENV] = dump;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
