import { isDeepStrictEqual } from 'node:util';
import { ionHashJson } from './ionHashJson.ts';
import { ionToJson } from './ionToJson.ts';
import { ionHashOfIon } from './ionValueHash.ts';
import { EMPTY_HASH, type Hash, type RevisionMetadata, revisionHashOf, sameHash } from './ledgerHash.ts';
import type { LedgerWrite } from './ledgerTypes.ts';

/**
 * What a revision holds, as stored and hashed: a JSON document (`data`), an Ion
 * document (`ion`, with its JSON down-conversion in `data`), or a deletion (neither).
 */
export interface RevisionContent {
  data: unknown;
  ion?: Uint8Array | null;
  deleted?: boolean;
}

const ION_BINARY_VERSION_MARKER = [0xe0, 0x01, 0x00, 0xea];

function isIonBinary(bytes: unknown): bytes is Uint8Array {
  return (
    bytes instanceof Uint8Array && ION_BINARY_VERSION_MARKER.every((byte, index) => bytes[index] === byte)
  );
}

/**
 * The data hash of a revision's content: the Ion hash of its Ion when it has some,
 * else of its JSON data; for a deletion the empty hash, so that the revision's hash,
 * `dot(metadata hash, data hash)`, is the hash of its metadata alone, which is how
 * QLDB hashes the revision of a deleted document (it has metadata and no data).
 * Throws when the Ion cannot be read.
 */
export function contentHash(content: RevisionContent): Hash {
  if (content.deleted === true) return EMPTY_HASH;
  if (content.ion != null) return ionHashOfIon(content.ion);
  return ionHashJson(content.data);
}

/** A revision's hash from its metadata and content (see {@link contentHash}). */
export function revisionHashOfContent(metadata: RevisionMetadata, content: RevisionContent): Hash {
  return revisionHashOf(metadata, contentHash(content));
}

/**
 * What a write stores, with its data hash: its JSON data; its Ion, copied (so the
 * bytes stored are the bytes hashed, whatever the caller does with its array later)
 * with its JSON down-conversion; or a deletion. Throws a TypeError for a write that
 * gives data with `ion` or `deleted`, gives both, gives `ion` that is not Ion binary
 * holding one value, or deletes a document without naming the version it deletes.
 */
export function contentOfWrite(write: LedgerWrite): Required<RevisionContent> & { dataHash: Hash } {
  const name = `${write.tableName}/${write.documentId}`;
  const deleted = write.deleted === true;
  if (write.ion === undefined && !deleted) {
    return { data: write.data, ion: null, deleted: false, dataHash: ionHashJson(write.data) };
  }
  if (write.data != null) {
    throw new TypeError(`the ledger write to ${name} gives data with ion or deleted; the ledger computes it`);
  }
  if (deleted) {
    if (write.ion !== undefined)
      throw new TypeError(`the ledger write to ${name} both deletes and writes Ion`);
    if (write.expectedVersion === null) {
      throw new TypeError(`the ledger write deleting ${name} must name the version it deletes`);
    }
    return { data: null, ion: null, deleted: true, dataHash: EMPTY_HASH };
  }
  if (!isIonBinary(write.ion)) {
    throw new TypeError(`the ledger write to ${name} gives ion that is not Ion binary (no version marker)`);
  }
  const ion = new Uint8Array(write.ion);
  return { data: ionToJson(ion), ion, deleted: false, dataHash: ionHashOfIon(ion) };
}

/**
 * What is wrong with a stored revision, or null: its content does not hash to its
 * hash with its metadata (or its Ion cannot be read), a deletion holds data, or the
 * JSON data of an Ion document is not its Ion's down-conversion (the JSON is served
 * to JSON queries, so it is bound to the hashed Ion).
 */
export function storedRevisionProblem(
  revision: RevisionContent & { metadata: RevisionMetadata; hash: Hash },
): string | null {
  let dataHash: Hash;
  try {
    dataHash = contentHash(revision);
  } catch (error) {
    return `does not match its hash: its Ion cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!sameHash(revisionHashOf(revision.metadata, dataHash), revision.hash)) return 'does not match its hash';
  if (revision.deleted === true && (revision.data != null || revision.ion != null)) {
    return 'is a deletion that holds data';
  }
  if (revision.ion != null && !isDeepStrictEqual(ionToJson(revision.ion), revision.data)) {
    return "holds JSON data that is not its Ion's down-conversion";
  }
  return null;
}
