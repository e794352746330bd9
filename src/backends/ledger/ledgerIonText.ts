import * as ion from 'ion-js';
import type { Hash } from './ledgerHash.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';
import type { StoredBlock } from './readBlock.ts';

// The journal as Amazon QLDB prints it in GetDigest, GetRevision and GetBlock: Ion
// text with hashes as blobs, timestamps as Ion timestamps, and each revision as
// {blockAddress, hash, data, metadata}. What is printed is what was hashed, so a
// client can recompute every hash from the text.

/** A revision, possibly with its Ion value and a deletion mark (a deleted document's revision has no data). */
type PrintableRevision = LedgerRevision & { ion?: unknown; deleted?: unknown };

function textOf(write: (writer: ion.Writer) => void): string {
  const writer = ion.makeTextWriter();
  write(writer);
  writer.close();
  return ion.decodeUtf8(writer.getBytes());
}

// JSON text is Ion text: the Ion text reader reads it as the ledger hashes it.
function ionOfJson(value: unknown): ion.dom.Value {
  const loaded = ion.load(JSON.stringify(value) ?? 'null');
  if (loaded === null) throw new TypeError('a JSON value read as Ion gave no value');
  return loaded;
}

function writeTimestamp(writer: ion.Writer, iso: string): void {
  const timestamp = ion.Timestamp.parse(iso);
  if (timestamp === null) throw new RangeError(`not an instant: ${iso}`);
  writer.writeTimestamp(timestamp);
}

function writeAddress(writer: ion.Writer, address: BlockAddress): void {
  writer.stepIn(ion.IonTypes.STRUCT);
  writer.writeFieldName('strandId');
  writer.writeString(address.strandId);
  writer.writeFieldName('sequenceNo');
  writer.writeInt(address.sequenceNo);
  writer.stepOut();
}

function writeHashes(writer: ion.Writer, hashes: readonly Hash[]): void {
  writer.stepIn(ion.IonTypes.LIST);
  for (const hash of hashes) writer.writeBlob(hash);
  writer.stepOut();
}

// A JSON document is written as the Ion text reader reads its JSON text (1.5 a
// decimal, 15 an int); an Ion value stored with the revision (text or binary) is
// written as it is.
function writeDocument(writer: ion.Writer, revision: PrintableRevision): void {
  const stored = revision.ion;
  const value =
    typeof stored === 'string' || stored instanceof Uint8Array ? ion.load(stored) : ionOfJson(revision.data);
  if (value === null) throw new TypeError(`revision ${revision.metadata.id} holds no Ion value`);
  value.writeTo(writer);
}

function writeRevision(writer: ion.Writer, revision: PrintableRevision): void {
  const { metadata } = revision;
  writer.stepIn(ion.IonTypes.STRUCT);
  writer.writeFieldName('blockAddress');
  writeAddress(writer, revision.blockAddress);
  writer.writeFieldName('hash');
  writer.writeBlob(revision.hash);
  if (revision.deleted !== true) {
    writer.writeFieldName('data');
    writeDocument(writer, revision);
  }
  writer.writeFieldName('metadata');
  writer.stepIn(ion.IonTypes.STRUCT);
  writer.writeFieldName('id');
  writer.writeString(metadata.id);
  writer.writeFieldName('version');
  writer.writeInt(metadata.version);
  writer.writeFieldName('txTime');
  writeTimestamp(writer, metadata.txTime);
  writer.writeFieldName('txId');
  writer.writeString(metadata.txId);
  writer.stepOut();
  writer.stepOut();
}

/** A block address as QLDB prints it: `{strandId:"...",sequenceNo:N}`. */
export function blockAddressIonText(address: BlockAddress): string {
  return textOf((writer) => writeAddress(writer, address));
}

/** A proof as QLDB prints it: an Ion list of blobs, in the order they are folded. */
export function proofIonText(proof: readonly Hash[]): string {
  return textOf((writer) => writeHashes(writer, proof));
}

/** A revision as QLDB prints it: `{blockAddress, hash, data, metadata:{id, version, txTime, txId}}`. */
export function revisionIonText(revision: LedgerRevision): string {
  return textOf((writer) => writeRevision(writer, revision));
}

// The transaction info as it was hashed: its Ion in a format 2 or 3 block, its JSON
// read as Ion text in a format 1 block.
function writeTransactionInfo(writer: ion.Writer, block: StoredBlock): void {
  const stored = block.transactionInfoIon === null ? null : ion.load(block.transactionInfoIon);
  (stored ?? ionOfJson(block.transactionInfo)).writeTo(writer);
}

/**
 * A block as QLDB's GetBlock prints it: its address, transaction id and timestamp,
 * its hashes, the list of entry hashes whose Merkle root is the entries hash (as the
 * block's format lays them out: QLDB's, the revisions' Merkle root then the transaction
 * info's, for format 3; each revision's then the transaction info's for format 2; the
 * transaction info's first for format 1), the transaction info and the revisions.
 */
export function blockIonText(block: StoredBlock): string {
  return textOf((writer) => {
    writer.stepIn(ion.IonTypes.STRUCT);
    writer.writeFieldName('blockAddress');
    writeAddress(writer, block.address);
    writer.writeFieldName('transactionId');
    writer.writeString(block.transactionId);
    writer.writeFieldName('blockTimestamp');
    writeTimestamp(writer, block.blockTimestamp);
    writer.writeFieldName('blockHash');
    writer.writeBlob(block.blockHash);
    writer.writeFieldName('entriesHash');
    writer.writeBlob(block.entriesHash);
    writer.writeFieldName('previousBlockHash');
    writer.writeBlob(block.previousBlockHash);
    writer.writeFieldName('entriesHashList');
    writeHashes(writer, block.entries);
    writer.writeFieldName('transactionInfo');
    writeTransactionInfo(writer, block);
    writer.writeFieldName('revisions');
    writer.stepIn(ion.IonTypes.LIST);
    for (const revision of block.revisions) writeRevision(writer, revision);
    writer.stepOut();
    writer.stepOut();
  });
}
