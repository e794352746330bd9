import * as ion from 'ion-js';
import type { Queryable } from '../../core/database.ts';
import { type BlockFormat, entriesOf } from './blockFormat.ts';
import type { ExportedBlock, ExportedRevision } from './exportedBlock.ts';
import { type Content, importedBlockRows } from './importedBlockRows.ts';
import { ionHashJson } from './ionHashJson.ts';
import { ionToJson } from './ionToJson.ts';
import { ionHashOfIon } from './ionValueHash.ts';
import { JournalImportError } from './journalImportError.ts';
import { type CheckedBlock, checkBlock, readCheckedBlock } from './journalProofs.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { dot, EMPTY_HASH, type Hash, revisionHashOf, sameHash } from './ledgerHash.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import { appendLeaf, merkleRoot } from './merkleTree.ts';
import type { ExpectedVersion } from './writeBlock.ts';
import { writeBlock } from './writeBlock.ts';

/** Where an import stands: the strand, the next block it expects, and the chain and tree so far. */
export interface ImportedBlockState {
  strandId: string;
  next: number;
  previousBlockHash: Hash;
  frontier: Hash[];
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

// A document that JSON holds exactly (its JSON, read as Ion text, hashes as its Ion
// does) is stored as JSON, as figway's own documents are; any other keeps its Ion
// (timestamps, decimals JSON would change, blobs, symbols, annotations, ...). Either
// way the revision hashes as the export says, and reads back as the same Ion value.
function contentOf(at: BlockAddress, revision: ExportedRevision): Content {
  const { data } = revision;
  if (data === null) return { data: null, ion: null, deleted: true, dataHash: EMPTY_HASH };
  try {
    const dataHash = ionHashOfIon(data);
    const json = ionToJson(data);
    const exact = sameHash(ionHashJson(json), dataHash);
    return { data: json, ion: exact ? null : data, deleted: false, dataHash };
  } catch (error) {
    throw new JournalImportError(
      at,
      `revision ${revision.metadata.id} holds data that cannot be read as Ion (${describe(error)})`,
    );
  }
}

// Format 3 is QLDB's (the revisions' Merkle root, then the transaction info's hash);
// format 2 figway's earlier one that listed each revision's hash before the transaction
// info's; format 1 its first (the transaction info's first). A block of one revision is
// the same in formats 2 and 3, and is stored as format 3.
function formatOf(
  at: BlockAddress,
  block: ExportedBlock,
  revisionHashes: Hash[],
  infoHash: Hash,
): BlockFormat {
  const listed = block.entriesHashList;
  const same = (entries: Hash[]) =>
    entries.length === listed.length && entries.every((hash, index) => sameHash(hash, listed[index] as Hash));
  for (const format of [3, 2, 1] as const)
    if (same(entriesOf(format, infoHash, revisionHashes))) return format;
  throw new JournalImportError(
    at,
    "its entriesHashList is not the Merkle root of its revisions' hashes then its transaction info's hash (QLDB's layout of a block figway can store), nor figway's formats 1 or 2",
  );
}

// The table of each revision, as the transaction info records it: by document id in
// QLDB's shape (formats 2 and 3), by position in figway's format 1.
function tablesOf(
  at: BlockAddress,
  format: BlockFormat,
  info: unknown,
  revisions: ExportedRevision[],
): string[] {
  const documents = (info as { documents?: unknown } | null)?.documents;
  return revisions.map((revision, position) => {
    const recorded =
      format === 1
        ? (documents as Array<{ tableName?: unknown }> | undefined)?.[position]
        : (documents as Record<string, { tableName?: unknown }> | undefined)?.[revision.metadata.id];
    if (typeof recorded?.tableName !== 'string')
      throw new JournalImportError(
        at,
        `its transaction info records no table for revision ${revision.metadata.id}`,
      );
    return recorded.tableName;
  });
}

function ionText(binary: Uint8Array): Uint8Array {
  const writer = ion.makeTextWriter();
  writer.writeValues(ion.makeReader(binary));
  writer.close();
  return writer.getBytes();
}

// Each document's first write in the block names the version before it (none for
// version 0), as a writer would; each later write of it must be the next version.
function expectedVersions(
  at: BlockAddress,
  tables: string[],
  revisions: ExportedRevision[],
): ExpectedVersion[] {
  const latest = new Map<string, number>();
  const expected: ExpectedVersion[] = [];
  for (const [position, revision] of revisions.entries()) {
    const { id, version } = revision.metadata;
    const tableName = tables[position] as string;
    const key = `${tableName}\u0000${id}`;
    const previous = latest.get(key);
    if (previous === undefined)
      expected.push({ tableName, documentId: id, version: version === 0 ? null : version - 1 });
    else if (version !== previous + 1)
      throw new JournalImportError(at, `revision ${id} v${version} follows v${previous} in the same block`);
    if (revision.data === null && version === 0)
      throw new JournalImportError(at, `revision ${id} v0 deletes a document that does not exist`);
    latest.set(key, version);
  }
  return expected;
}

function checkHashes(at: BlockAddress, block: ExportedBlock, state: ImportedBlockState, contents: Content[]) {
  for (const [position, revision] of block.revisions.entries()) {
    const { id, version, txId } = revision.metadata;
    if (revision.blockAddress.strandId !== at.strandId || revision.blockAddress.sequenceNo !== at.sequenceNo)
      throw new JournalImportError(at, `revision ${id} v${version} names another block`);
    if (txId !== block.transactionId)
      throw new JournalImportError(at, `revision ${id} v${version} names another transaction`);
    const hash = revisionHashOf(revision.metadata, (contents[position] as Content).dataHash);
    if (!sameHash(hash, revision.hash))
      throw new JournalImportError(at, `revision ${id} v${version} does not match its hash`);
  }
  if (!sameHash(merkleRoot(block.entriesHashList), block.entriesHash))
    throw new JournalImportError(at, 'its entriesHashList does not hash to its entries hash');
  if (!sameHash(dot(block.entriesHash, block.previousBlockHash), block.blockHash))
    throw new JournalImportError(at, 'its block hash is not dot(entries hash, previous block hash)');
  if (!sameHash(block.previousBlockHash, state.previousBlockHash))
    throw new JournalImportError(
      at,
      at.sequenceNo === 0
        ? 'it is the first block and names a previous block hash'
        : `its previous block hash is not block ${at.sequenceNo - 1}'s hash: the chain is broken here`,
    );
}

function transactionInfoOf(at: BlockAddress, block: ExportedBlock): { infoHash: Hash; info: unknown } {
  try {
    return { infoHash: ionHashOfIon(block.transactionInfo), info: ionToJson(block.transactionInfo) };
  } catch (error) {
    throw new JournalImportError(at, `its transaction info cannot be read as Ion (${describe(error)})`);
  }
}

/** A block as the ledger will store it, checked as the ledger checks a stored block. */
interface PreparedBlock {
  format: BlockFormat;
  info: unknown;
  transactionInfoIon: Uint8Array | null;
  tables: string[];
  checked: CheckedBlock;
}

function prepareBlock(at: BlockAddress, block: ExportedBlock, contents: Content[]): PreparedBlock {
  const { infoHash, info } = transactionInfoOf(at, block);
  const format = formatOf(
    at,
    block,
    block.revisions.map((revision) => revision.hash),
    infoHash,
  );
  const tables = tablesOf(at, format, info, block.revisions);
  const transactionInfoIon = format === 1 ? null : ionText(block.transactionInfo);
  const rows = importedBlockRows(block, { format, info, transactionInfoIon, tables, contents });
  // Everything the ledger's own verification checks of a stored block, checked before it is stored.
  try {
    return { format, info, transactionInfoIon, tables, checked: checkBlock(rows.block, rows.revisions) };
  } catch (error) {
    if (error instanceof LedgerTamperedError) throw new JournalImportError(at, error.reason);
    throw error;
  }
}

/**
 * Verifies one exported block against its own hashes and the block before it, writes
 * it with ledger.append_block (under the strand lock the caller holds, in the caller's
 * transaction), reads it back and checks it, and moves `state` on. Throws
 * JournalImportError naming the block at the first thing that does not hold.
 */
export async function importBlock(
  tx: Queryable,
  block: ExportedBlock,
  state: ImportedBlockState,
): Promise<void> {
  const at = block.address;
  if (at.strandId !== state.strandId)
    throw new JournalImportError(at, `it is on strand ${at.strandId}, the export's is ${state.strandId}`);
  if (at.sequenceNo !== state.next)
    throw new JournalImportError(
      at,
      `block ${state.next} comes first (an import starts at the journal's first block)`,
    );
  const contents = block.revisions.map((revision) => contentOf(at, revision));
  checkHashes(at, block, state, contents);
  const { format, info, transactionInfoIon, tables, checked } = prepareBlock(at, block, contents);
  const tree = appendLeaf(state.frontier, at.sequenceNo, block.blockHash);
  const [stale] = await writeBlock(tx, {
    strandId: at.strandId,
    sequenceNo: at.sequenceNo,
    transactionId: block.transactionId,
    txTime: block.blockTimestamp,
    format,
    transactionInfo: info,
    transactionInfoIon,
    entriesHash: block.entriesHash,
    previousBlockHash: block.previousBlockHash,
    blockHash: block.blockHash,
    revisions: checked.revisions,
    expected: expectedVersions(at, tables, block.revisions),
    treeNodes: tree.completed,
    frontier: tree.frontier,
  });
  if (stale !== undefined)
    throw new JournalImportError(
      at,
      `document ${stale.tableName}/${stale.documentId} is at version ${stale.current ?? 'none'} in the ledger, and the block's revision of it follows version ${stale.version ?? 'none'}`,
    );
  await checkStored(tx, at, block);
  state.next += 1;
  state.previousBlockHash = block.blockHash;
  state.frontier = tree.frontier;
}

// The block as the ledger stored it must hash as the export says.
async function checkStored(tx: Queryable, at: BlockAddress, block: ExportedBlock): Promise<void> {
  let stored: Awaited<ReturnType<typeof readCheckedBlock>>;
  try {
    stored = await readCheckedBlock(tx, at);
  } catch (error) {
    if (error instanceof LedgerTamperedError) throw new JournalImportError(at, `as stored, ${error.reason}`);
    throw error;
  }
  const same =
    sameHash(stored.blockHash, block.blockHash) &&
    stored.revisions.length === block.revisions.length &&
    stored.revisions.every((revision, index) =>
      sameHash(revision.hash, block.revisions[index]?.hash ?? EMPTY_HASH),
    );
  if (!same) throw new JournalImportError(at, 'the ledger stored it with other hashes than the export gives');
}
