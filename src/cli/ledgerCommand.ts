import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../core/logger.ts';
import { ACCESS_KEYS_SETTING, parseAccessKeys } from '../server/qldb/accessKeys.ts';
import { startQldbServer } from '../server/qldb/qldbEndpoint.ts';
import { openConfiguredLedger } from './openConfiguredLedger.ts';

const USAGE = `usage: figway ledger serve [--port N] [--host H]
  serve the ledger over Amazon QLDB's session API and control plane subset, so that
  amazon-qldb-driver-nodejs and @aws-sdk/client-qldb work against it with an endpoint
  override (default port 4100, host 127.0.0.1)
usage: figway ledger export <dir>
  write the journal into <dir> (new or empty) as QLDB's S3 journal export lays it out:
  <exportId>.started.manifest, <strandId>.<first>-<last>.ion data objects of blocks in
  Ion text, and <exportId>.<strandId>.completed.manifest listing them
usage: figway ledger import <dir>
  load such an export into an empty ledger, keeping every block address and hash and
  verifying the chain block by block; the first broken block stops it (exit 1), named,
  and nothing is imported
usage: figway ledger verify
  re-verify the whole stored journal: every revision's hash, each block's entries hash,
  block hash and link, the Merkle tree nodes, the tip and frontier, and the committed
  view; prints the blocks checked and the digest, or names the first block that fails
  (exit 1)
`;

/** The ledger name clients use when FIGWAY_LEDGER_NAME is not set: the Connect guide's. */
export const DEFAULT_LEDGER_NAME = 'connect-commitments-ledger';

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
}

// The embedded default's one local key pair, made on first use and kept with its data.
async function embeddedKey(dataDir: string): Promise<{ id: string; secret: string }> {
  const path = join(dataDir, 'ledger-access-key');
  await mkdir(dataDir, { recursive: true });
  const made = `FIGWAY${randomBytes(7).toString('hex').toUpperCase()}:${randomBytes(30).toString('base64url')}`;
  try {
    await writeFile(path, made, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // Made by an earlier run: that one is the key.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = (await readFile(path, 'utf8')).trim();
  const colon = text.indexOf(':');
  const id = text.slice(0, colon);
  const secret = text.slice(colon + 1);
  if (colon < 1 || secret.length < 16)
    throw new ConfigError(`${path} does not hold an id:secret key pair; delete it to make a new one.`);
  return { id, secret };
}

interface Opened {
  ledger: Ledger;
  keys: Map<string, string>;
  hint: string | null;
  close(): Promise<void>;
}

async function openServedLedger(): Promise<Opened> {
  const config = loadConfig();
  const setting = process.env[ACCESS_KEYS_SETTING];
  const keys = setting === undefined || setting === '' ? null : parseAccessKeys(setting);
  if (config.targets.kind === 'postgres' && keys === null)
    throw new ConfigError(
      `figway ledger serve needs ${ACCESS_KEYS_SETTING} (id:secret pairs, comma-separated).`,
    );
  // The embedded data serves one process: the ledger, or a gateway (which holds it while it runs).
  const opened = await openConfiguredLedger(config, 'figway ledger serve');
  try {
    const local =
      keys === null && opened.embeddedDataDir !== null ? await embeddedKey(opened.embeddedDataDir) : null;
    return {
      ledger: opened.ledger,
      keys: keys ?? new Map([[local?.id ?? '', local?.secret ?? '']]),
      hint:
        local === null || opened.embeddedDataDir === null
          ? null
          : `Sign with the local key pair kept in ${join(opened.embeddedDataDir, 'ledger-access-key')}: ` +
            `credentials { accessKeyId: '${local.id}', secretAccessKey: '<the part after the colon>' }, region any.`,
      close: opened.close,
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/**
 * `figway ledger serve`: the ledger as a QLDB endpoint, until SIGINT or SIGTERM;
 * `figway ledger export|import <dir>`: its journal in QLDB's export format (ledgerExportCommand);
 * `figway ledger verify`: the whole journal checked (ledgerVerifyCommand).
 */
export async function ledgerCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return (await import('./ledgerVerifyCommand.ts')).ledgerVerifyCommand(rest, USAGE);
  if (sub === 'export' || sub === 'import') {
    const commands = await import('./ledgerExportCommand.ts');
    return sub === 'export'
      ? commands.ledgerExportCommand(rest, USAGE)
      : commands.ledgerImportCommand(rest, USAGE);
  }
  if (sub !== 'serve') {
    process.stderr.write(USAGE);
    return 2;
  }
  const port = Number(option(rest, '--port') ?? 4100);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(
      `figway ledger serve: --port must be a port number, not "${option(rest, '--port')}".\n`,
    );
    return 2;
  }
  const logger = createLogger(loadConfig().logLevel);
  const ledgerName = process.env.FIGWAY_LEDGER_NAME || DEFAULT_LEDGER_NAME;
  const opened = await openServedLedger();
  const host = option(rest, '--host') ?? '127.0.0.1';
  // A port in use must not leave the embedded database open and its lock held.
  const server = await startQldbServer({ port, host, ledgerName, ...opened, logger }).catch(
    async (error: unknown) => {
      await opened.close();
      throw error;
    },
  );
  logger.info({ url: server.url, ledgerName, keys: opened.keys.size }, 'figway ledger is listening');
  if (opened.hint !== null) process.stdout.write(`${opened.hint}\n`);
  process.stdout.write(
    `QLDB clients: new QldbDriver('${ledgerName}', { endpoint: '${server.url}', region: 'us-east-1', credentials })\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  await opened.close();
  return 0;
}
