import type { LedgerDigest, LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';

// Each inner list is one transaction. Entry counts (revisions + the transaction
// info) run 2..7, so block entry trees of odd and even sizes occur; c-3 is written
// twice in one transaction; after the hand-written ones, generated rounds bring the
// journal to 17 blocks so digests exist at every size from 1 to 17.
type Planned = [table: string, id: string, data: unknown];
const HAND_PLAN: Planned[][] = [
  [['commitments', 'c-1', { title: 'Lease', amount: 1200, status: 'draft' }]],
  [
    ['commitments', 'c-2', { title: 'Loan', amount: 99.95, tags: ['a', 'b'] }],
    ['parties', 'p-1', { name: 'Zoë Ω', email: null }],
  ],
  [['commitments', 'c-1', { title: 'Lease', amount: 1200.5, status: 'signed' }]],
  [
    ['commitments', 'c-3', { step: 'created', ok: true }],
    ['commitments', 'c-3', { step: 'approved', ok: false }],
  ],
  [
    ['commitments', 'c-2', { title: 'Loan', amount: 100, tags: [] }],
    ['parties', 'p-1', { name: 'Zoë Ω', email: 'zoe@example.com' }],
    ['parties', 'p-2', { name: 'Ana', nested: { deep: { list: [1, 2.5, -3e-7, 1e21] } } }],
  ],
  [['commitments', 'c-4', { empty: {}, none: null, big: 2 ** 60, tiny: 0.1 }]],
  [
    ['commitments', 'c-5', { n: 1 }],
    ['commitments', 'c-6', { n: 2 }],
    ['parties', 'p-3', { n: 3 }],
    ['parties', 'p-4', { n: 4 }],
    ['parties', 'p-5', { n: 5 }],
    ['parties', 'p-6', { n: 6 }],
  ],
];
const GENERATED_PLAN: Planned[][] = Array.from({ length: 10 }, (_, round) =>
  Array.from({ length: (round % 5) + 1 }, (_, slot): Planned => {
    const id = `c-${((round + slot) % 6) + 1}`;
    return ['commitments', id, { round, slot, amount: round * 10 + slot / 4 }];
  }),
);
/** The transactions the proof tests write, in order: 17, so 17 blocks. */
export const PLAN = [...HAND_PLAN, ...GENERATED_PLAN];

/** Writes {@link PLAN} to `ledger`, one transaction at a time, and returns the digest after each. */
export async function writePlan(ledger: Ledger): Promise<LedgerDigest[]> {
  const versions = new Map<string, number | null>();
  const digests: LedgerDigest[] = [];
  for (const transaction of PLAN) {
    const writes: LedgerWrite[] = transaction.map(([tableName, documentId, data]) => {
      const key = `${tableName}/${documentId}`;
      const expectedVersion = versions.get(key) ?? null;
      versions.set(key, expectedVersion === null ? 0 : expectedVersion + 1);
      return { tableName, documentId, data, expectedVersion };
    });
    await ledger.write(writes);
    const digest = await ledger.getDigest();
    if (digest === null) throw new Error('no digest after a write');
    digests.push(digest);
  }
  return digests;
}
