import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { awsSampleBlockProblem } from './awsSampleBlockCheck.ts';
import { dot, ionHashOfIonBytes, merkleRootOf, metadataHash } from './independentVerifier.ts';

// An independent reader and validator of a QLDB journal export, written from AWS's
// sample code and documentation, never from src/ (a shared bug would pass both):
// - aws-samples/amazon-qldb-dmv-sample-nodejs, JournalS3ExportReader.ts and
//   ValidateQldbHashchain.ts: the started manifest `<exportId>.started.manifest`, the
//   object ending in `completed.manifest` whose `keys` list the data objects in order,
//   each key's `<strandId>.<first>-<last>.ion` matching the blocks it holds, and the
//   chain: each block's previousBlockHash is the block before's blockHash, and its
//   blockHash is dot(entriesHash, previous block's hash);
// - aws-samples/amazon-qldb-dmv-sample-java, JournalBlock.verifyBlockHash: the
//   transaction info's Ion hash is in the entriesHashList, each revision's hash is
//   dot(ionHash(metadata), ionHash(data)) (the metadata's alone for a revision with no
//   data), the Merkle root of the revisions' hashes is in the entriesHashList, the
//   entriesHashList's Merkle root is the entriesHash (awsSampleBlockCheck.ts, whose
//   verdict on each block is returned);
// - awslabs/amazon-qldb-export-processor-java, ExportProcessor: the final manifest is
//   `<exportId>.<strandId>.completed.manifest`.
// The validation itself takes a block's revisions as bound to its entries when their
// Merkle root is listed (QLDB's layout, figway's block format 3) or when each of their
// hashes is (figway's formats 1 and 2, whose blocks of several revisions the Java
// sample refuses).

/** What the validator read: every block's hash in order, and the journal's digest (the Merkle root of the block hashes). */
export interface ValidatedExport {
  exportId: string;
  strandId: string;
  keys: string[];
  started: ion.dom.Value;
  /** Each block, with what AWS's Java sample says is wrong with it (null: it accepts it). */
  blocks: Array<{
    sequenceNo: number;
    blockHash: Uint8Array;
    transactionId: string;
    awsSampleProblem: string | null;
  }>;
  digest: Uint8Array;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const blob = (value: ion.dom.Value | null, what: string): Uint8Array => {
  if (value === null || value.getType() !== ion.IonTypes.BLOB) throw new Error(`${what} is not a blob`);
  return value.uInt8ArrayValue() as Uint8Array;
};
const hashOf = (value: ion.dom.Value) => ionHashOfIonBytes(ion.dumpBinary(value));

function checkRevision(revision: ion.dom.Value, where: string): Uint8Array {
  const metadata = revision.get('metadata');
  if (metadata === null) throw new Error(`${where}: a revision has no metadata`);
  const metaHash = metadataHash({
    id: metadata.get('id')?.stringValue() ?? '',
    version: Number(metadata.get('version')?.numberValue()),
    txTime: metadata.get('txTime')?.timestampValue()?.getDate() ?? new Date(Number.NaN),
    txId: metadata.get('txId')?.stringValue() ?? '',
  });
  const data = revision.get('data');
  const computed = data === null ? metaHash : dot(metaHash, hashOf(data));
  if (!same(computed, blob(revision.get('hash'), `${where} revision hash`)))
    throw new Error(`${where}: revision ${metadata.get('id')?.stringValue()} does not match its hash`);
  return computed;
}

function checkBlock(block: ion.dom.Value, previous: Uint8Array | null, where: string): Uint8Array {
  const entries = (block.get('entriesHashList')?.elements() ?? []).map((entry) =>
    blob(entry, `${where} entry`),
  );
  const listed = (hash: Uint8Array) => entries.some((entry) => same(entry, hash));
  const info = block.get('transactionInfo');
  if (info === null || !listed(hashOf(info)))
    throw new Error(`${where}: the transactionInfo's hash is not in the entriesHashList`);
  const revisionHashes = (block.get('revisions')?.elements() ?? []).map((revision) =>
    checkRevision(revision, where),
  );
  if (!listed(merkleRootOf(revisionHashes)) && !revisionHashes.every(listed))
    throw new Error(
      `${where}: the revisions' hashes are not in the entriesHashList, nor is their Merkle root`,
    );
  const entriesHash = blob(block.get('entriesHash'), `${where} entriesHash`);
  if (!same(merkleRootOf(entries), entriesHash)) throw new Error(`${where}: entriesHash does not match`);
  const previousBlockHash = blob(block.get('previousBlockHash'), `${where} previousBlockHash`);
  if (previous !== null && !same(previous, previousBlockHash))
    throw new Error(`${where}: previous block hash does not match`);
  const blockHash = blob(block.get('blockHash'), `${where} blockHash`);
  if (!same(dot(entriesHash, previousBlockHash), blockHash))
    throw new Error(`${where}: block hash does not match`);
  return blockHash;
}

/** Reads and validates the export in `dir`; throws at the first thing that does not hold. */
export async function validateExport(dir: string): Promise<ValidatedExport> {
  const names = await readdir(dir);
  const completed = names.filter((name) => name.endsWith('.completed.manifest'));
  if (completed.length !== 1) throw new Error(`expected one completed manifest, found ${completed.length}`);
  const [exportId, strandId] = (completed[0] as string).split('.');
  if (exportId === undefined || strandId === undefined) throw new Error('the completed manifest is misnamed');
  const started = ion.load(await readFile(join(dir, `${exportId}.started.manifest`)));
  if (started === null) throw new Error('the started manifest is empty');
  const manifest = ion.load(await readFile(join(dir, completed[0] as string)));
  const keys = (manifest?.get('keys')?.elements() ?? []).map((key) => key.stringValue() as string);
  const blocks: ValidatedExport['blocks'] = [];
  let previous: Uint8Array | null = null;
  for (const key of keys) {
    const [keyStrand, range] = key.split('.');
    const [first, last] = (range ?? '').split('-');
    const values = ion.loadAll(await readFile(join(dir, key)));
    const sequenceOf = (value: ion.dom.Value | undefined) =>
      String(value?.get('blockAddress')?.get('sequenceNo')?.numberValue());
    if (keyStrand !== strandId || sequenceOf(values[0]) !== first || sequenceOf(values.at(-1)) !== last)
      throw new Error(`${key}: its name does not match the blocks it holds`);
    for (const block of values) {
      const sequenceNo = Number(sequenceOf(block));
      if (sequenceNo !== blocks.length) throw new Error(`${key}: block ${sequenceNo} is out of order`);
      previous = checkBlock(block, previous, `${key} block ${sequenceNo}`);
      blocks.push({
        sequenceNo,
        blockHash: previous,
        transactionId: block.get('transactionId')?.stringValue() ?? '',
        awsSampleProblem: awsSampleBlockProblem(block),
      });
    }
  }
  return {
    exportId,
    strandId,
    keys,
    started,
    blocks,
    digest: merkleRootOf(blocks.map((block) => block.blockHash)),
  };
}
