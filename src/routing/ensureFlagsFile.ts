import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FLAGS_DIR } from './flagFiles.ts';

/**
 * Makes sure the local flags file exists, starting it from the default definitions
 * in flags/; an existing file is left as it is.
 */
export async function ensureFlagsFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    await copyFile(join(FLAGS_DIR, 'definitions.json'), path, 1 /* COPYFILE_EXCL */);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
