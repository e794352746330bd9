import type { LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';

// The ledger the tampering suite attacks, and the catalogue of single-value changes
// with what each must trip: a rejected proof or a proof that fails verification,
// whether the proof saved beforehand still vouches for the re-read revision, and the
// first block verifyJournal must name.

// 13 blocks, so the journal tree has nodes at levels 1 to 3 and an odd tip. Block 5
// holds three revisions (F, G, H); blocks 6 to 12 one each (doc-6 ... doc-12).
/** The transactions written before any attack, as [document id, data] lists. */
export const PLAN: Array<Array<[id: string, data: Record<string, unknown>]>> = [
  [['A', { amount: 1 }]],
  [
    ['B', { amount: 2 }],
    ['C', { amount: 3 }],
  ],
  [['A', { amount: 4 }]],
  [['D', { amount: 5 }]],
  [
    ['E', { amount: 6 }],
    ['B', { amount: 7 }],
  ],
  [
    ['F', { amount: 40, note: 'f' }],
    ['G', { amount: 50, note: 'g' }],
    ['H', { amount: 60, note: 'h' }],
  ],
  ...Array.from(
    { length: 7 },
    (_, i): Array<[string, Record<string, unknown>]> => [[`doc-${i + 6}`, { amount: 100 + i }]],
  ),
];
/** The one ledger table the plan writes. */
export const TABLE = 'commitments';

/** One direct change to a stored value, and what must notice it. */
export interface TamperCase {
  what: string;
  table: 'ledger.revisions' | 'ledger.blocks' | 'ledger.tree_nodes';
  column: string;
  /** The column's type, to write the saved original back from its text. */
  type: string;
  where: string;
  /** Where the row is found once tampered, when the change moves it. */
  whereAfter?: string;
  /** The tampered value, as an SQL expression over the row. */
  tampered: string;
  /** The revision re-read and verified (its id, version and block before the change). */
  revision: { id: string; version: number; sequenceNo: number };
  /** The revision's id and version once the change renamed it. */
  rereadAs?: { id: string; version: number };
  /** `rejects`: getRevisionProof throws LedgerTamperedError; `unverifiable`: it answers, the proof fails. */
  proofAfter: 'rejects' | 'unverifiable';
  /** Whether the re-read revision still verifies with the proof saved before the change. */
  savedProofVerifies: boolean;
  firstBadBlock: number;
  reason: RegExp;
  /** Bypass the trigger with `alter table ... disable trigger user` instead of the replica role. */
  viaAlterTable?: boolean;
}

/** Revision G v0, the middle of block 5's three revisions: the usual target. */
export const G = { id: 'G', version: 0, sequenceNo: 5 };
/** SQL selecting G's revision row. */
export const G_ROW = `table_name = '${TABLE}' and document_id = 'G' and version = 0`;
/** SQL selecting block 5. */
export const BLOCK_5 = 'sequence_no = 5';
/** SQL for a bytea column with one bit of one byte flipped. */
export const flip = (column: string, byte: number) =>
  `set_byte(${column}, ${byte}, get_byte(${column}, ${byte}) # 1)`;
const REVISION_HASH = /does not match its hash/;
const BLOCK_HASH = /block hash is not dot\(entries hash, previous block hash\)/;

/** Every single-value change the suite makes, one test each. */
export const CASES: TamperCase[] = [
  ...(
    [
      ['data', 'jsonb', `jsonb_set(data, '{amount}', '51')`, false],
      ['tx_id', 'text', `tx_id || 'x'`, false],
      ['tx_time', 'timestamptz', `tx_time + interval '1 millisecond'`, false],
      ['hash', 'bytea', flip('hash', 0), true],
    ] as const
  ).map(
    ([column, type, tampered, savedProofVerifies]): TamperCase => ({
      what: `revision ${column}`,
      table: 'ledger.revisions',
      column,
      type,
      where: G_ROW,
      tampered,
      revision: G,
      proofAfter: 'rejects',
      savedProofVerifies,
      firstBadBlock: 5,
      reason: REVISION_HASH,
    }),
  ),
  {
    what: 'revision document_id',
    table: 'ledger.revisions',
    column: 'document_id',
    type: 'text',
    where: G_ROW,
    whereAfter: `document_id = 'Gx'`,
    tampered: `document_id || 'x'`,
    revision: G,
    rereadAs: { id: 'Gx', version: 0 },
    proofAfter: 'rejects',
    savedProofVerifies: false,
    firstBadBlock: 5,
    reason: REVISION_HASH,
  },
  {
    what: 'revision version',
    table: 'ledger.revisions',
    column: 'version',
    type: 'integer',
    where: G_ROW,
    whereAfter: `document_id = 'G' and version = 100`,
    tampered: 'version + 100',
    revision: G,
    rereadAs: { id: 'G', version: 100 },
    proofAfter: 'rejects',
    savedProofVerifies: false,
    firstBadBlock: 5,
    reason: REVISION_HASH,
  },
  {
    what: 'revision entry_index',
    table: 'ledger.revisions',
    column: 'entry_index',
    type: 'integer',
    where: G_ROW,
    tampered: 'entry_index + 5',
    revision: G,
    proofAfter: 'rejects',
    savedProofVerifies: true,
    firstBadBlock: 5,
    reason: REVISION_HASH,
  },
  ...(
    [
      ['entries_hash', 'bytea', flip('entries_hash', 31), /entries do not hash to its entries hash/],
      ['previous_block_hash', 'bytea', flip('previous_block_hash', 7), BLOCK_HASH],
      ['block_hash', 'bytea', flip('block_hash', 0), BLOCK_HASH],
      // Block 5 is in format 3 (QLDB's): its JSON transaction info is bound to its
      // hashed Ion by being that Ion's down-conversion.
      [
        'transaction_info',
        'jsonb',
        `jsonb_set(transaction_info, '{documents,G,tableName}', '"drafts"')`,
        /transaction info's JSON is not its Ion's down-conversion/,
      ],
      // Its Ion (text) made to record document X where it recorded H.
      [
        'transaction_info_ion',
        'bytea',
        `convert_to(replace(convert_from(transaction_info_ion, 'UTF8'), '''H''', '''X'''), 'UTF8')`,
        /transaction info's JSON is not its Ion's down-conversion/,
      ],
      ['transaction_id', 'text', `transaction_id || 'x'`, /names another transaction/],
    ] as const
  ).map(
    ([column, type, tampered, reason]): TamperCase => ({
      what: `block ${column}`,
      table: 'ledger.blocks',
      column,
      type,
      where: BLOCK_5,
      tampered,
      revision: G,
      proofAfter: 'rejects',
      savedProofVerifies: true,
      firstBadBlock: 5,
      reason,
    }),
  ),
  {
    // Node (2, 0) covers blocks 0 to 3 and is on G's journal path; block 3 completes it.
    what: 'tree node hash (level 2, index 0)',
    table: 'ledger.tree_nodes',
    column: 'hash',
    type: 'bytea',
    where: 'level = 2 and node_index = 0',
    tampered: flip('hash', 12),
    revision: G,
    proofAfter: 'unverifiable',
    savedProofVerifies: true,
    firstBadBlock: 3,
    reason: /journal tree node level 2 index 0 does not match/,
    viaAlterTable: true,
  },
  {
    // Block 12's hash is a leaf on doc-9's journal path, read without checking block 12.
    what: 'block_hash of a block that is only a sibling in the proof',
    table: 'ledger.blocks',
    column: 'block_hash',
    type: 'bytea',
    where: 'sequence_no = 12',
    tampered: flip('block_hash', 31),
    revision: { id: 'doc-9', version: 0, sequenceNo: 9 },
    proofAfter: 'unverifiable',
    savedProofVerifies: true,
    firstBadBlock: 12,
    reason: BLOCK_HASH,
  },
];

/** Writes {@link PLAN}, one ledger transaction per entry. */
export async function writePlan(ledger: Ledger): Promise<void> {
  const versions = new Map<string, number>();
  for (const transaction of PLAN) {
    const writes: LedgerWrite[] = transaction.map(([documentId, data]) => {
      const expectedVersion = versions.get(documentId) ?? null;
      versions.set(documentId, expectedVersion === null ? 0 : expectedVersion + 1);
      return { tableName: TABLE, documentId, data, expectedVersion };
    });
    await ledger.write(writes);
  }
}
