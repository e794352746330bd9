import { describe, expect, it } from 'vitest';
import { metadataHash, type RevisionMetadata } from '../../../../src/backends/ledger/ledgerHash.ts';
import type { LedgerRevision } from '../../../../src/backends/ledger/ledgerTypes.ts';
import { type IonStruct, ionTextOf } from '../../../../src/backends/ledger/qldb/ionTree.ts';
import { revisionDocument } from '../../../../src/backends/ledger/qldb/ledgerTables.ts';
import { referenceIonHashOfText } from '../ionHashReference.ts';

function revisionAt(txTime: string): LedgerRevision {
  const metadata: RevisionMetadata = { id: 'doc-1', version: 0, txTime, txId: 'tx-1' };
  return {
    tableName: 'commitments',
    blockAddress: { strandId: 'strand-1', sequenceNo: 3 },
    hash: new Uint8Array(32),
    data: { id: 'c-1' },
    ion: null,
    deleted: false,
    metadata,
  };
}

describe("a revision's metadata as history() and the committed view show it", () => {
  // A client recomputes a revision's hash from these rows: the metadata it reads must
  // hash as the ledger hashed it, whole seconds included.
  for (const txTime of ['2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.120Z', '2026-03-01T12:00:07.005Z']) {
    it(`hashes to the ledger's metadata hash (txTime ${txTime})`, () => {
      const revision = revisionAt(txTime);
      const metadata = (revisionDocument(revision) as IonStruct).metadata as IonStruct;
      expect(ionTextOf(metadata.txTime as IonStruct)).toBe(txTime);
      expect(referenceIonHashOfText(ionTextOf(metadata))).toEqual(metadataHash(revision.metadata));
    });
  }
});
