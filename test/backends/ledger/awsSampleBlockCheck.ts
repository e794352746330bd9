import * as ion from 'ion-js';
import { dot, ionHashOfIonBytes, merkleRootOf, metadataHash } from './independentVerifier.ts';

// AWS's sample check of one journal block, followed step by step from
// aws-samples/amazon-qldb-dmv-sample-java (JournalBlock.verifyBlockHash,
// QldbRevision.verifyRevisionHash, Verifier.calculateMerkleTreeRootHash), on the block
// as GetBlock or a journal export prints it, and never from src/:
// 1. the Ion hash of `transactionInfo` is one of `entriesHashList`;
// 2. each revision's hash is dot(ionHash(metadata), ionHash(data)); a revision that is
//    only a hash (QLDB's internal system revisions) is taken as it is;
// 3. the Merkle root of the revisions' hashes, in order, is one of `entriesHashList`;
// 4. the Merkle root of `entriesHashList` is `entriesHash`;
// 5. dot(entriesHash, previousBlockHash) is `blockHash`.
// Roots are built level by level, neighbours paired and an odd last one carried up.
// (The sample throws on a revision without data; QLDB's deletion revision hashes as its
// metadata's hash alone, which is what this takes instead.)

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const hashOf = (value: ion.dom.Value) => ionHashOfIonBytes(ion.dumpBinary(value));
const blobOf = (value: ion.dom.Value | null) => (value?.uInt8ArrayValue() as Uint8Array | null) ?? null;

function revisionProblem(revision: ion.dom.Value): string | null {
  const metadata = revision.get('metadata');
  const data = revision.get('data');
  const hash = blobOf(revision.get('hash'));
  if (hash === null) return 'Document is missing required fields';
  if (metadata === null && data === null && revision.get('blockAddress') === null) return null;
  if (metadata === null) return 'Document is missing required fields';
  const metaHash = metadataHash({
    id: metadata.get('id')?.stringValue() ?? '',
    version: Number(metadata.get('version')?.numberValue()),
    txTime: metadata.get('txTime')?.timestampValue()?.getDate() ?? new Date(Number.NaN),
    txId: metadata.get('txId')?.stringValue() ?? '',
  });
  const candidate = data === null ? metaHash : dot(metaHash, hashOf(data));
  return same(candidate, hash)
    ? null
    : 'Hash entry of QLDB revision and computed hash of QLDB revision do not match';
}

/**
 * What AWS's Java sample (JournalBlock.verifyBlockHash) says is wrong with `block`, in
 * its own words, or null when it accepts the block.
 */
export function awsSampleBlockProblem(block: ion.dom.Value): string | null {
  const entries = (block.get('entriesHashList')?.elements() ?? []).map((entry) => blobOf(entry));
  const listed = (hash: Uint8Array) => entries.some((entry) => entry !== null && same(entry, hash));
  const info = block.get('transactionInfo');
  if (info === null || !listed(hashOf(info)))
    return 'Block transactionInfo hash is not contained in the QLDB block entries hash list.';
  const revisions = block.get('revisions');
  if (revisions !== null) {
    const hashes: Uint8Array[] = [];
    for (const revision of revisions.elements()) {
      const problem = revisionProblem(revision);
      if (problem !== null) return problem;
      hashes.push(blobOf(revision.get('hash')) as Uint8Array);
    }
    if (!listed(merkleRootOf(hashes)))
      return 'Block revisions list hash is not contained in the QLDB block entries hash list.';
  }
  const entriesHash = blobOf(block.get('entriesHash'));
  if (entries.some((entry) => entry === null) || entriesHash === null)
    return 'Computed entries hash does not match entries hash provided in the block.';
  const computed = merkleRootOf(entries as Uint8Array[]);
  if (!same(computed, entriesHash))
    return 'Computed entries hash does not match entries hash provided in the block.';
  const previous = blobOf(block.get('previousBlockHash')) ?? new Uint8Array(0);
  const blockHash = blobOf(block.get('blockHash')) ?? new Uint8Array(0);
  if (!same(dot(computed, previous), blockHash))
    return 'Computed block hash does not match block hash provided in the block.';
  return null;
}

/**
 * A real Amazon QLDB block, as `aws qldb get-block` printed it in the AWS CLI's
 * documented example (aws/aws-cli, awscli/examples/qldb/get-block.rst): its hashes are
 * QLDB's own (they recompute), and it shows QLDB's layout of `entriesHashList`: two
 * hashes of internal system metadata at 0 and 2, the Merkle root of the revisions'
 * hashes at 1 (here the one revision's hash), the transaction info's hash last.
 */
export const QLDB_GET_BLOCK_EXAMPLE = String.raw`{blockAddress:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100},
transactionId:"FnQeJBAicTX0Ah32ZnVtSX",blockTimestamp:2019-09-16T19:37:05.360Z,
blockHash:{{NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=}},
entriesHash:{{l05LOsiKV14SDbuaYnH7uwXzUvqzIwUiRLXGbTyj/nY=}},
previousBlockHash:{{7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=}},
entriesHashList:[{{eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=}},{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},
{{y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWM=}},{{TvTXygML1bMe6NvEZtGkX+KR+W/EJl4qD1mmV77KZQg=}}],
transactionInfo:{statements:[{statement:"FROM VehicleRegistration AS r \nWHERE r.VIN = '1N4AL11D75C109151'\nINSERT INTO r.Owners.SecondaryOwners\n    VALUE { 'PersonId' : 'CMVdR77XP8zAglmmFDGTvt' }",
startTime:2019-09-16T19:37:05.302Z,statementDigest:{{jcgPX2vsOJ0waum4qmDYtn1pCAT9xKNIzA+2k4R+mxA=}}}],
documents:{JUJgkIcNbhS2goq8RqLuZ4:{tableName:"VehicleRegistration",tableId:"BFJKdXgzt9oF4wjMbuxy4G",statements:[0]}}},
revisions:[{blockAddress:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100},hash:{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},
data:{VIN:"1N4AL11D75C109151",LicensePlateNumber:"LEWISR261LL",State:"WA",PendingPenaltyTicketAmount:90.25,
ValidFromDate:2017-08-21,ValidToDate:2020-05-11,Owners:{PrimaryOwner:{PersonId:"BFJKdXhnLRT27sXBnojNGW"},
SecondaryOwners:[{PersonId:"CMVdR77XP8zAglmmFDGTvt"}]},City:"Everett"},
metadata:{id:"JUJgkIcNbhS2goq8RqLuZ4",version:3,txTime:2019-09-16T19:37:05.344Z,txId:"FnQeJBAicTX0Ah32ZnVtSX"}}]}`;

/**
 * The proof `aws qldb get-revision` returned for that block's revision to the digest at
 * block 123 (awscli/examples/qldb/get-revision.rst), and that digest as `aws qldb
 * get-digest` returned it (get-digest.rst): the revision's siblings in
 * `entriesHashList` (entry 0, then the root of entries 2 and 3), the previous block hash,
 * then the journal tree's seven hashes (the GetBlock example's proof).
 */
export const QLDB_GET_REVISION_EXAMPLE = {
  proof: [
    'eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=',
    'VV1rdaNuf+yJZVGlmsM6gr2T52QvBO8Lg+KgpjcnWAU=',
    '7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=',
    'l3+EXs69K1+rehlqyWLkt+oHDlw4Zi9pCLW/t/mgTPM=',
    '48CXG3ehPqsxCYd34EEa8Fso0ORpWWAO8010RJKf3Do=',
    '9UnwnKSQT0i3ge1JMVa+tMIqCEDaOPTkWxmyHSn8UPQ=',
    '3nW6Vryghk+7pd6wFCtLufgPM6qXHyTNeCb1sCwcDaI=',
    'Irb5fNhBrNEQ1VPhzlnGT/ZQPadSmgfdtMYcwkNOxoI=',
    '+3CWpYG/ytf/vq9GidpzSx6JJiLXt1hMQWNnqOy3jfY=',
    'NPx6cRhwsiy5m9UEWS5JTJrZoUdO2jBOAAOmyZAT+qE=',
  ],
  digest: '6m6BMXobbJKpMhahwVthAEsN6awgnHK62Qq5McGP1Gk=',
};
