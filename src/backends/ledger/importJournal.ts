import type { Database, Queryable } from '../../core/database.ts';
import { type ImportedBlockState, importBlock } from './importBlock.ts';
import { JournalImportError, LedgerNotEmptyError } from './journalImportError.ts';
import { EMPTY_HASH, type Hash } from './ledgerHash.ts';
import { integer } from './ledgerRows.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import { foldRange } from './merkleTree.ts';
import { indexStatement, readListedTables } from './qldb/ledgerTables.ts';
import { exportedBlocks, readJournalExportManifest } from './readJournalExport.ts';

/** What {@link importJournal} loaded. */
export interface ImportedJournal {
  exportId: string;
  strandId: string;
  blocks: number;
  /** The last block imported, or null for an export with no blocks. */
  tip: BlockAddress | null;
  /** The journal's digest at `tip` (the export's), or null for no blocks. */
  digest: Hash | null;
}

/** Options of {@link importJournal}. */
export interface ImportJournalOptions {
  /**
   * Hears a PostgreSQL index of a QLDB `CREATE INDEX` that could not be made after the
   * import (reads of that field then scan the table; the import stands). Must not
   * throw. @default a process warning
   */
  onIndexError?: (error: unknown, table: string, field: string) => void;
}

async function lockEmptyStrand(tx: Queryable): Promise<string> {
  const [strand] = await tx.query('select strand_id, tip_sequence_no from ledger.strands for update');
  if (strand === undefined) throw new Error('the ledger has no strand: open it with openLedger() first');
  const [count] = await tx.query('select count(*) as blocks from ledger.blocks');
  const blocks = integer(count?.blocks ?? 0);
  if (blocks > 0 || strand.tip_sequence_no !== null) throw new LedgerNotEmptyError(blocks);
  return String(strand.strand_id);
}

// The empty ledger's strand takes the export's id, so every block keeps its address.
// Nothing refers to the strand yet: it has no blocks, revisions or tree nodes.
async function adoptStrand(tx: Queryable, current: string, strandId: string): Promise<void> {
  if (current === strandId) return;
  await tx.query('update ledger.strands set strand_id = $1 where strand_id = $2', [strandId, current]);
}

// QLDB's CREATE INDEX is a catalog document in the journal, and imported with it; the
// PostgreSQL index that serves its reads (see ledgerTables.indexStatement) is not, so
// it is made here, as the session endpoint makes it after a commit.
async function createQldbIndexes(db: Database, options: ImportJournalOptions): Promise<void> {
  const onIndexError =
    options.onIndexError ??
    ((error: unknown, table: string, field: string) =>
      process.emitWarning(
        `the index of ${table} (${field}) could not be made: ${error instanceof Error ? error.message : String(error)}`,
        'FigwayLedgerImportWarning',
      ));
  for (const table of await readListedTables(db)) {
    if (table.status !== 'ACTIVE') continue;
    for (const index of table.indexes) {
      const field = /^\[(.+)\]$/.exec(index.expr)?.[1];
      if (field === undefined) continue;
      try {
        await db.exec(indexStatement(table.name, field));
      } catch (error) {
        onIndexError(error, table.name, field);
      }
    }
  }
}

/**
 * Loads the QLDB journal export in `dir` (see exportJournal) into the empty ledger in
 * `db`, keeping every block's address, transaction id, timestamp and hashes. Each
 * block is verified before it is written (its revisions' hashes from their data and
 * metadata, its entries hash from its entriesHashList, its block hash, its link to the
 * block before it) and read back after (the ledger's stored revisions and block must
 * hash as the export says); blocks are written through the ledger's append function,
 * so the append-only triggers, the journal's Merkle tree and the strand's tip and
 * frontier are as if the blocks had been committed here. The whole import is one
 * database transaction: the first block that fails stops it with a
 * JournalImportError naming that block, and nothing is imported. A ledger that
 * already has blocks is refused with LedgerNotEmptyError, and nothing is changed.
 */
export async function importJournal(
  db: Database,
  dir: string,
  options: ImportJournalOptions = {},
): Promise<ImportedJournal> {
  const manifest = await readJournalExportManifest(dir);
  const imported = await db.transaction(async (tx) => {
    const current = await lockEmptyStrand(tx);
    await adoptStrand(tx, current, manifest.strandId);
    const state: ImportedBlockState = {
      strandId: manifest.strandId,
      next: 0,
      previousBlockHash: EMPTY_HASH,
      frontier: [],
    };
    for await (const block of exportedBlocks(dir, manifest)) await importBlock(tx, block, state);
    return state;
  });
  if (imported.next > 0) await createQldbIndexes(db, options);
  const blocks = imported.next;
  return {
    exportId: manifest.exportId,
    strandId: manifest.strandId,
    blocks,
    tip: blocks === 0 ? null : { strandId: manifest.strandId, sequenceNo: blocks - 1 },
    digest: blocks === 0 ? null : foldRange(imported.frontier),
  };
}

export { JournalImportError, LedgerNotEmptyError };
