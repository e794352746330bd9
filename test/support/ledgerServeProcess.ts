import { spawn } from 'node:child_process';
import { FIGWAY_COMMAND } from './figwayProcess.ts';

/** The ledger name and the one access key the test ledgers are served with. */
export const SERVED_LEDGER = {
  name: 'connect-commitments-ledger',
  accessKeyId: 'AKIAFIGWAYGATEWAY',
  secretAccessKey: 'a-secret-of-the-gateway-for-the-ledger',
} as const;

/** `FIGWAY_LEDGER_ACCESS_KEY` for a gateway that reaches a {@link startLedgerServe} ledger. */
export const SERVED_LEDGER_KEY = `${SERVED_LEDGER.accessKeyId}:${SERVED_LEDGER.secretAccessKey}`;

/** A `figway ledger serve` child process, listening. */
export interface LedgerServeProcess {
  /** Its endpoint, as it printed it (`http://127.0.0.1:<port>`). */
  url: string;
  output(): string;
  /** Stops it (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `figway ledger serve --port 0` on the PostgreSQL ledger at `ledgerUrl`, with
 * {@link SERVED_LEDGER}'s name and key, and resolves once it prints its endpoint;
 * rejects if it exits first.
 */
export function startLedgerServe(ledgerUrl: string): Promise<LedgerServeProcess> {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, 'ledger', 'serve', '--port', '0'], {
    env: {
      ...process.env,
      SUPABASE_DB_URL: '',
      SUPABASE_URL: '',
      LEDGER_QLDB_ENDPOINT: '',
      LEDGER_SERVICE_URL: '',
      OLTP_SERVICE_URL: '',
      LEDGER_DATABASE_URL: ledgerUrl,
      OLTP_DATABASE_URL: ledgerUrl,
      FIGWAY_LEDGER_NAME: SERVED_LEDGER.name,
      FIGWAY_LEDGER_ACCESS_KEYS: SERVED_LEDGER_KEY,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let listening = false;
    // Read to the end, so that a full pipe never blocks the process.
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /endpoint: '(http:\/\/[^']+)'/.exec(output);
      if (listening || match?.[1] === undefined) return;
      listening = true;
      resolve({
        url: match[1],
        output: () => output,
        stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`figway ledger serve exited with ${code}:\n${output}`)));
  });
}
