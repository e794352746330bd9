import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What `<dataDir>/gateway.json` says about the gateway that holds the embedded databases. */
export interface RunningGateway {
  pid: number;
  url: string;
}

function lockPath(dataDir: string) {
  return join(dataDir, 'gateway.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded gateway running on `dataDir`, or null when none is: no lock file, a
 * stale lock, or one cut short by a crash count as none. Any other failure to read the
 * lock (permissions, a folder in its place) is thrown, since guessing could let two
 * processes open one PGlite folder.
 */
export async function findRunningGateway(dataDir: string): Promise<RunningGateway | null> {
  let text: string;
  try {
    text = await readFile(lockPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let lock: RunningGateway;
  try {
    lock = JSON.parse(text) as RunningGateway;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  return alive(lock.pid) ? lock : null;
}

/**
 * Claims the embedded databases for this process. PGlite serves one process, and
 * a second one opening the same folder would corrupt it, so a live holder makes
 * this throw with its URL; a stale lock from a crashed process is replaced.
 */
export async function claimEmbeddedData(
  dataDir: string,
): Promise<{ publish(url: string): Promise<void>; release(): Promise<void> }> {
  const running = await findRunningGateway(dataDir);
  if (running !== null && running.pid !== process.pid) {
    throw new Error(
      `figway is already running on ${dataDir} (pid ${running.pid}, ${running.url}). ` +
        'Stop it first, or set FIGWAY_DATA_DIR to another folder.',
    );
  }
  await mkdir(dataDir, { recursive: true });
  const write = (url: string) => writeFile(lockPath(dataDir), JSON.stringify({ pid: process.pid, url }));
  await write('');
  return {
    publish: write,
    release: () => rm(lockPath(dataDir), { force: true }),
  };
}
