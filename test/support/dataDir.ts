import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGLITE_CLUSTER_DIR_ENV } from '../../harness/pgliteTemplate.ts';

const run = promisify(execFile);

/**
 * A new FIGWAY_DATA_DIR under the system's temporary directory, its name starting with
 * `prefix`, holding an initialized, empty embedded cluster copied from the one the run's
 * global setup made (test/globalSetup.ts). figway's first start there migrates and seeds
 * it as on any first start, without running initdb, which takes seconds of CPU. Tests of
 * the very first start use an empty directory instead.
 */
export async function freshDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const cluster = process.env[PGLITE_CLUSTER_DIR_ENV];
  if (cluster !== undefined && cluster !== '') await run('cp', ['-R', cluster, join(dir, 'pglite')]);
  return dir;
}
