import { ledgerId } from '../../../src/backends/ledger/appendTransaction.ts';
import { entriesOf } from '../../../src/backends/ledger/blockFormat.ts';
import { dot, EMPTY_HASH, revisionHash } from '../../../src/backends/ledger/ledgerHash.ts';
import type { LedgerRevision } from '../../../src/backends/ledger/ledgerTypes.ts';
import { appendLeaf, merkleRoot } from '../../../src/backends/ledger/merkleTree.ts';
import { qldbTransactionInfo } from '../../../src/backends/ledger/qldbTransactionInfo.ts';
import { writeBlock } from '../../../src/backends/ledger/writeBlock.ts';
import type { Database } from '../../../src/core/database.ts';
import type { Format1Write } from './format1Blocks.ts';

const splitHashes = (joined: Uint8Array) =>
  Array.from({ length: joined.length / 32 }, (_, i) => joined.slice(i * 32, i * 32 + 32));

/**
 * Appends one block as figway wrote blocks before block format 3, and as a process of
 * that release still does during a rolling deploy: format 2 (each revision's hash, then
 * the Ion hash of QLDB's transaction info, listing no statements), through 005's form of
 * `ledger.append_block`. Returns the transaction id.
 */
export function appendFormat2Block(
  db: Database,
  writes: readonly Format1Write[],
  txTime: Date,
): Promise<string> {
  return db.transaction(async (tx) => {
    const [strand] = await tx.query('select * from ledger.strands for update');
    if (strand === undefined) throw new Error('no strand');
    const sequenceNo = strand.tip_sequence_no === null ? 0 : Number(strand.tip_sequence_no) + 1;
    const previous =
      strand.tip_block_hash === null ? EMPTY_HASH : new Uint8Array(strand.tip_block_hash as Uint8Array);
    const transactionId = ledgerId();
    const blockAddress = { strandId: String(strand.strand_id), sequenceNo };
    const revisions = writes.map((write): LedgerRevision => {
      const version = write.expectedVersion === null ? 0 : write.expectedVersion + 1;
      const metadata = { id: write.documentId, version, txTime: txTime.toISOString(), txId: transactionId };
      return {
        tableName: write.tableName,
        blockAddress,
        hash: revisionHash(metadata, write.data),
        data: write.data,
        metadata,
      };
    });
    const info = qldbTransactionInfo(writes, []);
    if (info === null) throw new Error('format 2 cannot say one id in two tables');
    const entries = entriesOf(
      2,
      info.hash,
      revisions.map((revision) => revision.hash),
    );
    const entriesHash = merkleRoot(entries);
    const blockHash = dot(entriesHash, previous);
    const tree = appendLeaf(
      splitHashes(new Uint8Array(strand.frontier as Uint8Array)),
      sequenceNo,
      blockHash,
    );
    const stale = await writeBlock(tx, {
      ...blockAddress,
      transactionId,
      txTime: txTime.toISOString(),
      format: 2,
      transactionInfo: info.json,
      transactionInfoIon: info.ion,
      entriesHash,
      previousBlockHash: previous,
      blockHash,
      revisions,
      expected: writes.map((write) => ({
        tableName: write.tableName,
        documentId: write.documentId,
        version: write.expectedVersion,
      })),
      treeNodes: tree.completed,
      frontier: tree.frontier,
    });
    if (stale.length > 0) throw new Error(`stale versions: ${JSON.stringify(stale)}`);
    return transactionId;
  });
}
