import { blockEntries, ledgerId, transactionInfo } from '../src/backends/ledger/appendTransaction.ts';
import { dot, type Hash, revisionHash } from '../src/backends/ledger/ledgerHash.ts';
import type { LedgerRevision } from '../src/backends/ledger/ledgerTypes.ts';
import { merkleRoot } from '../src/backends/ledger/merkleTree.ts';
import { commitmentDocument } from './commitmentDocument.ts';
import { type Measurement, measure } from './measure.ts';

/** What the pure-CPU hashing of the ledger costs, without any SQL. */
export interface HashBenchResult {
  /** `revisionHash` (Ion hash of metadata and data, then `dot`): operations are revisions. */
  revisionHash: Measurement;
  /** All the hashing one append does, per document, when each block holds one document. */
  blockHashingSingle: Measurement;
  /** The same when each block holds `batchSize` documents. */
  blockHashingBatched: Measurement;
}

const TX_TIME = new Date(Date.UTC(2025, 5, 1)).toISOString();

function revisionsOf(first: number, count: number, txId: string): LedgerRevision[] {
  return Array.from({ length: count }, (_, offset) => {
    const data = commitmentDocument(first + offset);
    const metadata = { id: data.id, version: 0, txTime: TX_TIME, txId };
    return {
      tableName: 'commitments',
      blockAddress: { strandId: 'bench', sequenceNo: 0 },
      hash: revisionHash(metadata, data),
      data,
      metadata,
    };
  });
}

// What appendTransaction computes for one block: each revision's hash, the hash of
// the transaction info, the entries' Merkle root and the block hash.
function hashBlock(revisions: readonly LedgerRevision[], txId: string, previous: Hash): Hash {
  const hashed = revisions.map((revision) => ({ hash: revisionHash(revision.metadata, revision.data) }));
  const entriesHash = merkleRoot(blockEntries(transactionInfo(txId, revisions), hashed));
  return dot(entriesHash, previous);
}

async function measureBlocks(documents: number, batchSize: number): Promise<Measurement> {
  const txId = ledgerId();
  const blocks = Array.from({ length: Math.ceil(documents / batchSize) }, (_, block) =>
    revisionsOf(block * batchSize, Math.min(batchSize, documents - block * batchSize), txId),
  );
  let previous: Hash = new Uint8Array(32);
  return measure(documents, () => {
    for (const block of blocks) previous = hashBlock(block, txId, previous);
  });
}

/**
 * Measures the ledger's hashing alone, on the benchmark's commitment documents,
 * after a warm-up that lets V8 optimise the Ion writer: per revision, and per
 * document inside whole blocks of 1 and of `batchSize` documents.
 */
export async function benchHashing(documents: number, batchSize: number): Promise<HashBenchResult> {
  const txId = ledgerId();
  const warmUp = revisionsOf(0, Math.min(500, documents), txId);
  hashBlock(warmUp, txId, new Uint8Array(0));
  const revisions = revisionsOf(0, documents, txId);
  const revisionHashes = await measure(documents, () => {
    for (const revision of revisions) revisionHash(revision.metadata, revision.data);
  });
  return {
    revisionHash: revisionHashes,
    blockHashingSingle: await measureBlocks(documents, 1),
    blockHashingBatched: await measureBlocks(documents, batchSize),
  };
}
