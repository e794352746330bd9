import { toBase64 } from '../backends/ledger/ledgerHash.ts';
import type { JournalCheck } from '../backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import { loadConfig } from '../config.ts';
import { openConfiguredLedger } from './openConfiguredLedger.ts';

// What is wrong, with where: a block, or the committed view when no block is to blame
// (verifyJournal names sequence number -1 for a view row that has no revision).
function problemLine(check: Extract<JournalCheck, { ok: false }>): string {
  const { strandId, sequenceNo } = check.firstBadBlock;
  const where =
    sequenceNo < 0 ? 'the committed view' : `block {strandId: ${strandId}, sequenceNo: ${sequenceNo}}`;
  return `figway ledger verify: ${where} fails verification: ${check.reason}.\n`;
}

async function soundLines(ledger: Ledger, blocks: number): Promise<string> {
  const digest = await ledger.getDigest();
  if (blocks === 0 || digest === null) return 'The journal has no blocks.\n';
  // The digest at the last block checked, whatever was appended since.
  const tip = { strandId: digest.tipAddress.strandId, sequenceNo: blocks - 1 };
  return (
    `Verified ${blocks} blocks: every revision, entries hash, block hash and link, the Merkle tree, ` +
    'the tip and frontier, and the committed view.\n' +
    `Digest at {strandId: "${tip.strandId}", sequenceNo: ${tip.sequenceNo}}: ${toBase64(await ledger.getDigestAt(tip))}\n`
  );
}

/**
 * `figway ledger verify`: re-verifies the whole stored journal (`verifyJournal`) and
 * prints how many blocks it checked and the digest; exits 1 naming the first block that
 * fails and why, 2 for arguments it does not take.
 */
export async function ledgerVerifyCommand(args: readonly string[], usage: string): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`figway ledger verify: takes no arguments, not "${args.join(' ')}".\n\n${usage}`);
    return 2;
  }
  const opened = await openConfiguredLedger(loadConfig(), 'figway ledger verify');
  try {
    const check = await opened.ledger.verifyJournal();
    if (!check.ok) {
      process.stderr.write(`${problemLine(check)}(${check.blocks} blocks checked before it was found.)\n`);
      return 1;
    }
    process.stdout.write(await soundLines(opened.ledger, check.blocks));
    return 0;
  } finally {
    await opened.close();
  }
}
