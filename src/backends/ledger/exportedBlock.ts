import * as ion from 'ion-js';
import type { Hash, RevisionMetadata } from './ledgerHash.ts';
import type { BlockAddress } from './ledgerTypes.ts';

// One journal block of a QLDB export, read from its Ion (text or binary) with ion-js's
// streaming reader. Documents and the transaction info are copied value by value into
// Ion binary (Writer.writeValue), so they keep every Ion type, annotation and repeated
// field name; nothing goes through JSON. Fields a block or revision holds beyond
// QLDB's documented ones are ignored.

/** A revision as a QLDB export shows it. */
export interface ExportedRevision {
  blockAddress: BlockAddress;
  hash: Hash;
  /** The document as Ion binary; null for a deletion (a revision with metadata and no data). */
  data: Uint8Array | null;
  metadata: RevisionMetadata;
}

/** A journal block as a QLDB export shows it (QLDB's GetBlock shape). */
export interface ExportedBlock {
  address: BlockAddress;
  transactionId: string;
  /** An ISO-8601 instant. */
  blockTimestamp: string;
  blockHash: Hash;
  entriesHash: Hash;
  previousBlockHash: Hash;
  entriesHashList: Hash[];
  /** The transaction info as Ion binary. */
  transactionInfo: Uint8Array;
  revisions: ExportedRevision[];
}

/** A block (or a part of one) that is not in the shape of a QLDB export; `address` when it was read. */
export class ExportShapeError extends Error {
  override name = 'ExportShapeError';
  readonly address: BlockAddress | null;

  constructor(message: string, address: BlockAddress | null = null) {
    super(message);
    this.address = address;
  }
}

function expect(reader: ion.Reader, type: ion.IonType, what: string): void {
  if (reader.type() !== type || reader.isNull())
    throw new ExportShapeError(
      `${what} is ${reader.isNull() ? 'null' : reader.type()?.name}, not a ${type.name}`,
    );
}

/** Calls `field` for each field of the struct the reader is on; a field given twice is refused. */
function eachField(reader: ion.Reader, what: string, field: (name: string) => void): void {
  expect(reader, ion.IonTypes.STRUCT, what);
  const seen = new Set<string>();
  reader.stepIn();
  for (let type = reader.next(); type !== null; type = reader.next()) {
    const name = reader.fieldName() ?? '';
    if (seen.has(name)) throw new ExportShapeError(`${what} gives ${name} twice`);
    seen.add(name);
    field(name);
  }
  reader.stepOut();
}

function stringOf(reader: ion.Reader, what: string): string {
  expect(reader, ion.IonTypes.STRING, what);
  return reader.stringValue() as string;
}

function integerOf(reader: ion.Reader, what: string): number {
  expect(reader, ion.IonTypes.INT, what);
  const value = Number(reader.bigIntValue());
  if (!Number.isSafeInteger(value) || value < 0) throw new ExportShapeError(`${what} is out of range`);
  return value;
}

function blobOf(reader: ion.Reader, what: string): Hash {
  expect(reader, ion.IonTypes.BLOB, what);
  return new Uint8Array(reader.uInt8ArrayValue() as Uint8Array);
}

function instantOf(reader: ion.Reader, what: string): string {
  expect(reader, ion.IonTypes.TIMESTAMP, what);
  return (reader.timestampValue() as ion.Timestamp).getDate().toISOString();
}

/** The value the reader is on, as Ion binary. */
function copyOf(reader: ion.Reader): Uint8Array {
  const writer = ion.makeBinaryWriter();
  writer.writeValue(reader);
  writer.close();
  return writer.getBytes();
}

function listOf<T>(reader: ion.Reader, what: string, item: (index: number) => T): T[] {
  expect(reader, ion.IonTypes.LIST, what);
  const items: T[] = [];
  reader.stepIn();
  for (let type = reader.next(); type !== null; type = reader.next()) items.push(item(items.length));
  reader.stepOut();
  return items;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ExportShapeError(`${what} is missing`);
  return value;
}

function addressOf(reader: ion.Reader, what: string): BlockAddress {
  const fields: Partial<BlockAddress> = {};
  eachField(reader, what, (name) => {
    if (name === 'strandId') fields.strandId = stringOf(reader, `${what}.strandId`);
    else if (name === 'sequenceNo') fields.sequenceNo = integerOf(reader, `${what}.sequenceNo`);
  });
  return {
    strandId: required(fields.strandId, `${what}.strandId`),
    sequenceNo: required(fields.sequenceNo, `${what}.sequenceNo`),
  };
}

function metadataOf(reader: ion.Reader, what: string): RevisionMetadata {
  const fields: Partial<RevisionMetadata> = {};
  eachField(reader, what, (name) => {
    if (name === 'id') fields.id = stringOf(reader, `${what}.id`);
    else if (name === 'version') fields.version = integerOf(reader, `${what}.version`);
    else if (name === 'txTime') fields.txTime = instantOf(reader, `${what}.txTime`);
    else if (name === 'txId') fields.txId = stringOf(reader, `${what}.txId`);
  });
  return {
    id: required(fields.id, `${what}.id`),
    version: required(fields.version, `${what}.version`),
    txTime: required(fields.txTime, `${what}.txTime`),
    txId: required(fields.txId, `${what}.txId`),
  };
}

function revisionOf(reader: ion.Reader, index: number): ExportedRevision {
  const what = `revision ${index}`;
  const fields: Partial<ExportedRevision> & { redacted?: boolean } = {};
  eachField(reader, what, (name) => {
    if (name === 'blockAddress') fields.blockAddress = addressOf(reader, `${what}.blockAddress`);
    else if (name === 'hash') fields.hash = blobOf(reader, `${what}.hash`);
    else if (name === 'data') fields.data = copyOf(reader);
    else if (name === 'metadata') fields.metadata = metadataOf(reader, `${what}.metadata`);
    else if (name === 'dataHash') fields.redacted = true;
  });
  if (fields.redacted === true)
    throw new ExportShapeError(
      `${what} is redacted (it has a dataHash): figway stores no redacted revisions`,
    );
  if (fields.metadata === undefined)
    throw new ExportShapeError(
      `${what} has no metadata (a QLDB system entry, only a hash): figway stores only document revisions`,
    );
  return {
    blockAddress: required(fields.blockAddress, `${what}.blockAddress`),
    hash: required(fields.hash, `${what}.hash`),
    data: fields.data ?? null,
    metadata: fields.metadata,
  };
}

/**
 * Reads the block the reader is on (a top-level struct) into an {@link ExportedBlock}.
 * Throws ExportShapeError, with the block's address once it has been read, for a value
 * that is not a block: a missing field, a field of the wrong type, or a revision
 * figway cannot store (redacted, or a QLDB system entry with no metadata).
 */
export function readExportedBlock(reader: ion.Reader): ExportedBlock {
  const fields: Partial<ExportedBlock> = {};
  try {
    eachField(reader, 'the block', (name) => {
      switch (name) {
        case 'blockAddress':
          fields.address = addressOf(reader, 'blockAddress');
          break;
        case 'transactionId':
          fields.transactionId = stringOf(reader, 'transactionId');
          break;
        case 'blockTimestamp':
          fields.blockTimestamp = instantOf(reader, 'blockTimestamp');
          break;
        case 'blockHash':
        case 'entriesHash':
        case 'previousBlockHash':
          fields[name] = blobOf(reader, name);
          break;
        case 'entriesHashList':
          fields.entriesHashList = listOf(reader, name, (index) => blobOf(reader, `${name}[${index}]`));
          break;
        case 'transactionInfo':
          expect(reader, ion.IonTypes.STRUCT, name);
          fields.transactionInfo = copyOf(reader);
          break;
        case 'revisions':
          fields.revisions = listOf(reader, name, (index) => revisionOf(reader, index));
          break;
      }
    });
  } catch (error) {
    if (error instanceof ExportShapeError) throw new ExportShapeError(error.message, fields.address ?? null);
    throw error;
  }
  const field = <K extends keyof ExportedBlock>(name: K): ExportedBlock[K] => {
    const value = fields[name];
    if (value === undefined) throw new ExportShapeError(`the block has no ${name}`, fields.address ?? null);
    return value as ExportedBlock[K];
  };
  return {
    address: field('address'),
    transactionId: field('transactionId'),
    blockTimestamp: field('blockTimestamp'),
    blockHash: field('blockHash'),
    entriesHash: field('entriesHash'),
    previousBlockHash: field('previousBlockHash'),
    entriesHashList: field('entriesHashList'),
    transactionInfo: field('transactionInfo'),
    revisions: fields.revisions ?? [],
  };
}
