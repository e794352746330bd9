import { entriesOf } from '../../../src/backends/ledger/blockFormat.ts';
import { dot } from '../../../src/backends/ledger/ledgerHash.ts';
import { merkleRoot } from '../../../src/backends/ledger/merkleTree.ts';
import { qldbTransactionInfo } from '../../../src/backends/ledger/qldbTransactionInfo.ts';
import { writeBlock } from '../../../src/backends/ledger/writeBlock.ts';
import type { Database } from '../../../src/core/database.ts';
import { type Format1Write, nextOldBlock } from './format1Blocks.ts';

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
    const { previous, transactionId, blockAddress, revisions, treeWith } = await nextOldBlock(
      tx,
      writes,
      txTime,
    );
    const info = qldbTransactionInfo(writes, []);
    if (info === null) throw new Error('format 2 cannot say one id in two tables');
    const entries = entriesOf(
      2,
      info.hash,
      revisions.map((revision) => revision.hash),
    );
    const entriesHash = merkleRoot(entries);
    const blockHash = dot(entriesHash, previous);
    const tree = treeWith(blockHash);
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
