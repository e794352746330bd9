import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { FIGWAY_COMMAND, figway } from '../support/figwayProcess.ts';

const postgresEngines = (await testEngines()).filter((engine) => engine.name === 'postgres');
const LEDGER = 'connect-commitments-ledger';
const TIMEOUT = 60_000;

/** What the environment may hold that would pick another ledger or keys than the test means. */
const UNSET = {
  SUPABASE_DB_URL: '',
  SUPABASE_URL: '',
  LEDGER_DATABASE_URL: '',
  OLTP_DATABASE_URL: '',
  FIGWAY_LEDGER_ACCESS_KEYS: '',
  FIGWAY_LEDGER_NAME: '',
};

/** A `figway ledger serve` child process. */
interface LedgerServe {
  child: ChildProcess;
  /** Resolves with the first match of `pattern` in stdout, now or later; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

function startLedgerServe(env: Record<string, string>): LedgerServe {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, 'ledger', 'serve', '--port', '0'], {
    env: { ...process.env, ...UNSET, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const changed = new EventTarget();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    changed.dispatchEvent(new Event('output'));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match === null) return;
          changed.removeEventListener('output', check);
          resolve(match);
        };
        changed.addEventListener('output', check);
        check();
        void exited.then((code) =>
          reject(new Error(`figway ledger serve exited with ${code} before ${pattern}:\n${stdout}${stderr}`)),
        );
      }),
  };
}

describe('figway ledger serve (embedded default)', () => {
  let dataDir: string | undefined;
  let serve: LedgerServe | undefined;
  afterEach(async () => {
    if (serve !== undefined && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints its real URL and the local key, serves a QldbDriver transaction, and exits 0 on SIGTERM', {
    timeout: TIMEOUT,
  }, async () => {
    dataDir = await freshDataDir('figway-ledger-serve-');
    serve = startLedgerServe({ FIGWAY_DATA_DIR: dataDir });
    const [, listeningLine = ''] = await serve.waitFor(/^(\{.*"figway ledger is listening".*\})\n/m);
    const listening = JSON.parse(listeningLine) as { url: string; ledgerName: string };
    expect(listening.ledgerName).toBe(LEDGER);
    expect(Number(new URL(listening.url).port)).toBeGreaterThan(0);
    const [, keyPath, hintedId] = await serve.waitFor(
      /Sign with the local key pair kept in (\S+): credentials \{ accessKeyId: '(\w+)'/,
    );
    expect(keyPath).toBe(join(dataDir, 'ledger-access-key'));
    const [accessKeyId = '', secretAccessKey = ''] = (await readFile(keyPath ?? '', 'utf8'))
      .trim()
      .split(':');
    expect(accessKeyId).toBe(hintedId);
    await serve.waitFor(new RegExp(`endpoint: '${listening.url}'`));

    const driver = new QldbDriver(
      LEDGER,
      {
        endpoint: listening.url,
        region: 'eu-west-1',
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
      },
      {},
      1,
      new RetryConfig(0),
    );
    try {
      const rows = await driver.executeLambda(async (txn) => {
        await txn.execute('CREATE TABLE commitments');
        await txn.execute('INSERT INTO commitments ?', { id: 'c-serve', title: 'Office lease' });
        return (await txn.execute('SELECT title FROM commitments WHERE id = ?', 'c-serve')).getResultList();
      });
      expect(rows.map((row) => row.get('title')?.stringValue())).toEqual(['Office lease']);
    } finally {
      driver.close();
    }

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});

describe.each(postgresEngines)('figway ledger serve on PostgreSQL ($name)', (engine) => {
  it('exits 2 naming FIGWAY_LEDGER_ACCESS_KEYS when LEDGER_DATABASE_URL is set and no keys are', {
    timeout: TIMEOUT,
  }, async () => {
    const created = await engine.create();
    const dataDir = await mkdtemp(join(tmpdir(), 'figway-ledger-serve-pg-'));
    try {
      const url = created.url ?? '';
      const result = await figway(['ledger', 'serve', '--port', '0'], {
        ...UNSET,
        FIGWAY_DATA_DIR: dataDir,
        LEDGER_DATABASE_URL: url,
        OLTP_DATABASE_URL: url,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/FIGWAY_LEDGER_ACCESS_KEYS/);
      expect(result.stdout).not.toMatch(/figway ledger is listening/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await created.drop();
    }
  });
});
