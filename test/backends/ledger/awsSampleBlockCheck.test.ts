import * as ion from 'ion-js';
import { describe, expect, it } from 'vitest';
import {
  awsSampleBlockProblem,
  QLDB_GET_BLOCK_EXAMPLE,
  QLDB_GET_REVISION_EXAMPLE,
} from './awsSampleBlockCheck.ts';
import { foldProof, ionHashOfIonBytes, merkleRootOf, siblingPathOf } from './independentVerifier.ts';

const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');
const base64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

function realBlock(): ion.dom.Value {
  const block = ion.load(QLDB_GET_BLOCK_EXAMPLE);
  if (block === null) throw new Error('the example block does not read as Ion');
  return block;
}

/** The real block's Ion text with `from` replaced by `to` (once). */
function edited(from: string, to: string): ion.dom.Value {
  expect(QLDB_GET_BLOCK_EXAMPLE).toContain(from);
  const block = ion.load(QLDB_GET_BLOCK_EXAMPLE.replace(from, to));
  if (block === null) throw new Error('the edited block does not read as Ion');
  return block;
}

const blobsOf = (value: ion.dom.Value | null) =>
  (value?.elements() ?? []).map((element) => element.uInt8ArrayValue() as Uint8Array);

describe("awsSampleBlockProblem on a real QLDB block (the AWS CLI's get-block example)", () => {
  it('accepts it', () => {
    expect(awsSampleBlockProblem(realBlock())).toBeNull();
  });

  it("finds the revisions' Merkle root at entry 1 and the transaction info's hash last, among 4 entries", () => {
    const block = realBlock();
    const entries = blobsOf(block.get('entriesHashList'));
    expect(entries).toHaveLength(4);
    const hashes = (block.get('revisions')?.elements() ?? []).map(
      (revision) => revision.get('hash')?.uInt8ArrayValue() as Uint8Array,
    );
    expect(hex(entries[1])).toBe(hex(merkleRootOf(hashes)));
    const info = block.get('transactionInfo');
    expect(hex(entries[3])).toBe(hex(ionHashOfIonBytes(ion.dumpBinary(info))));
  });

  it("folds the real GetRevision proof onto the revision's hash into the real digest, through its siblings in entriesHashList", () => {
    const block = realBlock();
    const revisionHash = block.get('revisions', 0, 'hash')?.uInt8ArrayValue() as Uint8Array;
    const proof = QLDB_GET_REVISION_EXAMPLE.proof.map(base64);
    const entries = blobsOf(block.get('entriesHashList'));
    expect(proof.slice(0, 2).map(hex)).toEqual(siblingPathOf(entries, 1).map(hex));
    expect(hex(proof[2])).toBe(hex(block.get('previousBlockHash')?.uInt8ArrayValue()));
    expect(hex(foldProof(revisionHash, proof))).toBe(hex(base64(QLDB_GET_REVISION_EXAMPLE.digest)));
  });

  it.each([
    [
      'a changed document',
      'City:"Everett"',
      'City:"Seattle"',
      'Hash entry of QLDB revision and computed hash of QLDB revision do not match',
    ],
    [
      'a changed statement',
      "WHERE r.VIN = '1N4AL11D75C109151'",
      "WHERE r.VIN = '1N4AL11D75C109152'",
      'Block transactionInfo hash is not contained in the QLDB block entries hash list.',
    ],
    [
      "the revisions' entry replaced by a system entry",
      '{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},\n{{y5cC',
      '{{eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=}},\n{{y5cC',
      'Block revisions list hash is not contained in the QLDB block entries hash list.',
    ],
    [
      'a system entry changed',
      '{{y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWM=}}',
      '{{y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWQ=}}',
      'Computed entries hash does not match entries hash provided in the block.',
    ],
    [
      'another previous block hash',
      'previousBlockHash:{{7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=}}',
      'previousBlockHash:{{7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYQ=}}',
      'Computed block hash does not match block hash provided in the block.',
    ],
  ])('refuses it with %s', (_, from, to, problem) => {
    expect(awsSampleBlockProblem(edited(from, to))).toBe(problem);
  });
});
