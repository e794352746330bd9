import { resolve } from 'node:path';
import { ExportDirectoryError, exportJournal } from '../backends/ledger/exportJournal.ts';
import { importJournal, JournalImportError, LedgerNotEmptyError } from '../backends/ledger/importJournal.ts';
import { completedManifestName, startedManifestName } from '../backends/ledger/journalExportLayout.ts';
import { LedgerTamperedError } from '../backends/ledger/ledgerErrors.ts';
import { type Hash, toBase64 } from '../backends/ledger/ledgerHash.ts';
import type { BlockAddress } from '../backends/ledger/ledgerTypes.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_LEDGER_NAME } from './ledgerCommand.ts';
import { openConfiguredLedger } from './openConfiguredLedger.ts';

function digestLine(tip: BlockAddress | null, digest: Hash | null): string {
  if (tip === null || digest === null) return 'The journal has no blocks.\n';
  return `Digest at {strandId: "${tip.strandId}", sequenceNo: ${tip.sequenceNo}}: ${toBase64(digest)}\n`;
}

// `<dir>` and, for export, `--blocks-per-object N`; null (after printing why) for anything else.
function parseArgs(args: readonly string[], command: string, usage: string, options: readonly string[]) {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith('--')) positional.push(arg);
    else if (options.includes(arg) && args[index + 1] !== undefined) values.set(arg, args[++index] as string);
    else {
      process.stderr.write(`figway ledger ${command}: unknown option ${arg}.\n\n${usage}`);
      return null;
    }
  }
  const [dir, ...extra] = positional;
  if (dir === undefined || extra.length > 0) {
    process.stderr.write(`figway ledger ${command}: give one directory.\n\n${usage}`);
    return null;
  }
  return { dir: resolve(dir), values };
}

/** `figway ledger export <dir> [--blocks-per-object N]`: the journal as a QLDB journal export; exit 1 when it cannot be exported. */
export async function ledgerExportCommand(args: readonly string[], usage: string): Promise<number> {
  const parsed = parseArgs(args, 'export', usage, ['--blocks-per-object']);
  if (parsed === null) return 2;
  const perObject = Number(parsed.values.get('--blocks-per-object') ?? 1000);
  if (!Number.isInteger(perObject) || perObject < 1) {
    process.stderr.write('figway ledger export: --blocks-per-object must be a positive integer.\n');
    return 2;
  }
  const opened = await openConfiguredLedger(loadConfig(), 'figway ledger export');
  try {
    const ledgerName = process.env.FIGWAY_LEDGER_NAME || DEFAULT_LEDGER_NAME;
    const exported = await exportJournal(opened.ledger.db, parsed.dir, {
      ledgerName,
      blocksPerObject: perObject,
    });
    const digest = exported.tip === null ? null : await opened.ledger.getDigestAt(exported.tip);
    const files = [
      startedManifestName(exported.exportId),
      ...exported.keys,
      completedManifestName(exported.exportId, exported.strandId),
    ];
    process.stdout.write(
      `Exported ${exported.blocks} blocks of strand ${exported.strandId} to ${parsed.dir} (export id ${exported.exportId}):\n` +
        files.map((file) => `  ${file}\n`).join('') +
        digestLine(exported.tip, digest),
    );
    return 0;
  } catch (error) {
    if (error instanceof LedgerTamperedError || error instanceof ExportDirectoryError) {
      process.stderr.write(`figway ledger export: ${error.message}\nNothing was exported.\n`);
      return 1;
    }
    throw error;
  } finally {
    await opened.close();
  }
}

/** `figway ledger import <dir>`: a QLDB journal export into the empty ledger; exit 1 at the first block that fails, or for a ledger that is not empty. */
export async function ledgerImportCommand(args: readonly string[], usage: string): Promise<number> {
  const parsed = parseArgs(args, 'import', usage, []);
  if (parsed === null) return 2;
  const opened = await openConfiguredLedger(loadConfig(), 'figway ledger import');
  try {
    const imported = await importJournal(opened.ledger.db, parsed.dir, {
      onIndexError: (error, table, field) =>
        process.stderr.write(
          `figway ledger import: the PostgreSQL index of ${table} (${field}) could not be made (${error instanceof Error ? error.message : String(error)}); reads of it scan the table.\n`,
        ),
    });
    process.stdout.write(
      `Imported ${imported.blocks} blocks of strand ${imported.strandId} from ${parsed.dir} (export id ${imported.exportId}); each verified.\n` +
        digestLine(imported.tip, imported.digest),
    );
    return 0;
  } catch (error) {
    if (error instanceof JournalImportError || error instanceof LedgerNotEmptyError) {
      process.stderr.write(`figway ledger import: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await opened.close();
  }
}
