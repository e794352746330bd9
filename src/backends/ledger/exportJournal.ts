import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ion from 'ion-js';
import type { Queryable } from '../../core/database.ts';
import {
  completedManifestName,
  dataObjectKey,
  newExportId,
  startedManifestName,
} from './journalExportLayout.ts';
import { checkBlock } from './journalProofs.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { EMPTY_HASH, type Hash, sameHash } from './ledgerHash.ts';
import { blockIonText } from './ledgerIonText.ts';
import { bytes, instant, integer } from './ledgerRows.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import type { StoredBlock } from './readBlock.ts';

/** Options of {@link exportJournal}. */
export interface ExportJournalOptions {
  /** The ledger's name, as the started manifest records it. */
  ledgerName: string;
  /** At most this many blocks go into one data object. @default 1000 */
  blocksPerObject?: number;
  /** The export's id. @default a new 22-character base62 id, as QLDB makes */
  exportId?: string;
}

/** What {@link exportJournal} wrote. */
export interface JournalExport {
  exportId: string;
  strandId: string;
  /** The number of blocks exported: every block up to the tip the export started at. */
  blocks: number;
  /** The data objects' keys, in order, as the completed manifest lists them. */
  keys: string[];
  /** The last block exported, or null for an empty journal. */
  tip: BlockAddress | null;
}

const PAGE = 200;

async function readStoredBlocks(
  db: Queryable,
  strandId: string,
  from: number,
  to: number,
): Promise<StoredBlock[]> {
  const blocks = await db.query(
    'select * from ledger.blocks where strand_id = $1 and sequence_no between $2 and $3 order by sequence_no',
    [strandId, from, to],
  );
  const revisions = await db.query(
    `select * from ledger.revisions where strand_id = $1 and sequence_no between $2 and $3
     order by sequence_no, entry_index`,
    [strandId, from, to],
  );
  return blocks.map((block) => {
    const sequenceNo = integer(block.sequence_no);
    return {
      // Checked against its own hashes: an export never carries a tampered block.
      ...checkBlock(
        block,
        revisions.filter((row) => integer(row.sequence_no) === sequenceNo),
      ),
      transactionId: String(block.transaction_id),
      blockTimestamp: instant(block.block_timestamp),
      transactionInfo: block.transaction_info,
      transactionInfoIon: block.transaction_info_ion == null ? null : bytes(block.transaction_info_ion),
    };
  });
}

// Every block from the first to the tip, read a page at a time, each checked against its
// hashes and linked to the one before it.
async function* journalBlocks(db: Queryable, strandId: string, tipSequenceNo: number) {
  let previous: Hash = EMPTY_HASH;
  for (let from = 0; from <= tipSequenceNo; from += PAGE) {
    const to = Math.min(from + PAGE - 1, tipSequenceNo);
    const blocks = await readStoredBlocks(db, strandId, from, to);
    for (const [offset, block] of blocks.entries()) {
      if (block.address.sequenceNo !== from + offset)
        throw new LedgerTamperedError(
          { strandId, sequenceNo: from + offset },
          'it is missing from the journal',
        );
      if (!sameHash(block.previousBlockHash, previous))
        throw new LedgerTamperedError(
          block.address,
          "its previous block hash is not the preceding block's hash",
        );
      previous = block.blockHash;
      yield block;
    }
    if (blocks.length !== to - from + 1)
      throw new LedgerTamperedError(
        { strandId, sequenceNo: from + blocks.length },
        'it is missing from the journal',
      );
  }
}

function ionText(write: (writer: ion.Writer) => void): string {
  const writer = ion.makeTextWriter();
  write(writer);
  writer.close();
  return `${ion.decodeUtf8(writer.getBytes())}\n`;
}

function writeTimestamp(writer: ion.Writer, instantText: string): void {
  const timestamp = ion.Timestamp.parse(instantText);
  if (timestamp === null) throw new RangeError(`not an instant: ${instantText}`);
  writer.writeTimestamp(timestamp);
}

// The initial manifest, with the fields QLDB's has that mean something here: the
// ledger, the export id, the time range of the blocks exported (QLDB's request
// parameters), no encryption, Ion text. A directory has no bucket and no prefix.
function startedManifest(ledgerName: string, exportId: string, start: string, end: string): string {
  return ionText((writer) => {
    writer.stepIn(ion.IonTypes.STRUCT);
    writer.writeFieldName('ledgerName');
    writer.writeString(ledgerName);
    writer.writeFieldName('exportId');
    writer.writeString(exportId);
    writer.writeFieldName('inclusiveStartTime');
    writeTimestamp(writer, start);
    writer.writeFieldName('exclusiveEndTime');
    writeTimestamp(writer, end);
    writer.writeFieldName('objectEncryptionType');
    writer.writeString('NO_ENCRYPTION');
    writer.writeFieldName('outputFormat');
    writer.writeString('ION_TEXT');
    writer.stepOut();
  });
}

function completedManifest(keys: readonly string[]): string {
  return ionText((writer) => {
    writer.stepIn(ion.IonTypes.STRUCT);
    writer.writeFieldName('keys');
    writer.stepIn(ion.IonTypes.LIST);
    for (const key of keys) writer.writeString(key);
    writer.stepOut();
    writer.stepOut();
  });
}

/** The directory an export was asked to write into is not a new or empty directory; nothing was written. */
export class ExportDirectoryError extends Error {
  override name = 'ExportDirectoryError';
}

async function emptyDirectory(dir: string): Promise<void> {
  let present: string[];
  try {
    await mkdir(dir, { recursive: true });
    present = await readdir(dir);
  } catch (error) {
    throw new ExportDirectoryError(
      `${dir} cannot be used: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (present.length > 0)
    throw new ExportDirectoryError(
      `${dir} is not empty: a journal export is written into a new or empty directory`,
    );
}

function blocksPerObjectOf(options: ExportJournalOptions): number {
  const count = options.blocksPerObject ?? 1000;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`blocksPerObject must be a positive integer, not ${count}`);
  return count;
}

/**
 * Writes the journal into `dir` (created if needed; it must be empty) as an Amazon QLDB
 * S3 journal export lays it out, in Ion text: `<exportId>.started.manifest`, data
 * objects `<strandId>.<first>-<last>.ion` holding the blocks as QLDB's GetBlock shows
 * them (address, transaction id, timestamp, hashes, entriesHashList, transaction info,
 * revisions with their Ion data and metadata), then `<exportId>.<strandId>.completed.manifest`
 * listing the data objects' keys. It exports every block up to the tip it finds when
 * it starts, each checked against its hashes and its predecessor as it is read. A
 * block that fails its check (LedgerTamperedError) or any other failure stops the
 * export, and the files it wrote are removed: a directory with a completed manifest
 * holds a whole export.
 */
export async function exportJournal(
  db: Queryable,
  dir: string,
  options: ExportJournalOptions,
): Promise<JournalExport> {
  const blocksPerObject = blocksPerObjectOf(options);
  const exportId = options.exportId ?? newExportId();
  const [strand] = await db.query('select strand_id, tip_sequence_no from ledger.strands');
  if (strand === undefined) throw new Error('the ledger has no strand: open it with openLedger() first');
  const strandId = String(strand.strand_id);
  const tipSequenceNo = strand.tip_sequence_no === null ? -1 : integer(strand.tip_sequence_no);
  await emptyDirectory(dir);
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    written.push(name);
    await writeFile(join(dir, name), text, { flag: 'wx' });
  };
  try {
    const [first] = await db.query(
      'select min(block_timestamp) as start, max(block_timestamp) as end from ledger.blocks where strand_id = $1 and sequence_no <= $2',
      [strandId, tipSequenceNo],
    );
    const start = first?.start == null ? new Date().toISOString() : instant(first.start);
    const end = new Date(Date.parse(first?.end == null ? start : instant(first.end)) + 1).toISOString();
    await write(startedManifestName(exportId), startedManifest(options.ledgerName, exportId, start, end));
    const keys: string[] = [];
    let pending: StoredBlock[] = [];
    const flush = async () => {
      const [head] = pending;
      const tail = pending.at(-1);
      if (head === undefined || tail === undefined) return;
      const key = dataObjectKey(strandId, head.address.sequenceNo, tail.address.sequenceNo);
      await write(key, pending.map((block) => `${blockIonText(block)}\n`).join(''));
      keys.push(key);
      pending = [];
    };
    for await (const block of journalBlocks(db, strandId, tipSequenceNo)) {
      pending.push(block);
      if (pending.length === blocksPerObject) await flush();
    }
    await flush();
    await write(completedManifestName(exportId, strandId), completedManifest(keys));
    const tip = tipSequenceNo < 0 ? null : { strandId, sequenceNo: tipSequenceNo };
    return { exportId, strandId, blocks: tipSequenceNo + 1, keys, tip };
  } catch (error) {
    await Promise.all(written.map((name) => rm(join(dir, name), { force: true })));
    throw error;
  }
}
