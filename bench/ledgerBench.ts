import type { Hash } from '../src/backends/ledger/ledgerHash.ts';
import type { LedgerRevision } from '../src/backends/ledger/ledgerTypes.ts';
import { type Ledger, openLedger } from '../src/backends/ledger/openLedger.ts';
import { verifyRevision } from '../src/backends/ledger/verifyRevision.ts';
import { commitmentDocument } from './commitmentDocument.ts';
import type { InstrumentedDatabase } from './instrumentDatabase.ts';
import { type Measurement, measure, progress, seededRandom } from './measure.ts';

/** How much work each part of the ledger benchmark does. */
export interface LedgerBenchSizes {
  /** Documents written one per transaction (ledger and plain each). */
  single: number;
  /** Documents written in batches (ledger and plain each). */
  batched: number;
  /** Documents per transaction in the batched runs. */
  batchSize: number;
  /** Proofs built for revisions in one-document blocks. */
  proofs: number;
  /** Proofs built for revisions in batched blocks; each re-hashes its whole block, so fewer. */
  batchedProofs: number;
  /** Untimed operations before each timed run. */
  warmUp: number;
}

/** One timed run of writes: ledger appends or plain inserts. */
export interface WriteResult {
  documentsPerTransaction: number;
  /** Operations are documents. */
  measurement: Measurement;
  /** SQL statements sent per document, `begin`/`commit` not counted. */
  statementsPerDocument: number;
  /** Microseconds per document spent waiting on SQL: statements, `begin`, `commit`. */
  sqlMicrosPerDocument: number;
}

/** Proofs built for sampled revisions against the digest at the journal's tip. */
export interface ProofResult {
  /** Operations are proofs. */
  measurement: Measurement;
  /** The mean number of hashes in a proof. */
  averageLength: number;
}

/** Everything the ledger benchmark measured on one engine. */
export interface LedgerBenchResult {
  plainSingle: WriteResult;
  ledgerSingle: WriteResult;
  plainBatched: WriteResult;
  ledgerBatched: WriteResult;
  /** Proofs for revisions in one-document blocks. */
  proofsSingle: ProofResult;
  /** Proofs for revisions in `batchSize`-document blocks: the whole block is re-hashed first. */
  proofsBatched: ProofResult;
  /** `verifyRevision` of every proof built; operations are verifications. */
  verification: Measurement;
  /** Blocks in the journal at the end, warm-up included. */
  blocks: number;
}

const TABLE = 'commitments';

/** Writes documents `[first, first + count)` somewhere, `perTransaction` at a time. */
type Writer = (first: number, count: number) => Promise<void>;

function plainWriter(db: InstrumentedDatabase, prefix: string): Writer {
  return (first, count) =>
    db.transaction(async (tx) => {
      for (let index = first; index < first + count; index++) {
        await tx.query('insert into bench_plain (id, data) values ($1, $2)', [
          `${prefix}${index}`,
          JSON.stringify(commitmentDocument(index)),
        ]);
      }
    });
}

function ledgerWriter(ledger: Ledger, prefix: string, written: LedgerRevision[]): Writer {
  return async (first, count) => {
    const writes = Array.from({ length: count }, (_, offset) => ({
      tableName: TABLE,
      documentId: `${prefix}${first + offset}`,
      data: commitmentDocument(first + offset),
      expectedVersion: null,
    }));
    const appended = await ledger.write(writes);
    written.push(...appended.revisions);
  };
}

async function timeWrites(
  db: InstrumentedDatabase,
  write: Writer,
  documents: number,
  perTransaction: number,
): Promise<WriteResult> {
  db.reset();
  const measurement = await measure(documents, async () => {
    for (let first = 0; first < documents; first += perTransaction) {
      await write(first, Math.min(perTransaction, documents - first));
    }
  });
  const sql = db.reset();
  return {
    documentsPerTransaction: perTransaction,
    measurement,
    statementsPerDocument: sql.statements / documents,
    sqlMicrosPerDocument: (sql.milliseconds * 1000) / documents,
  };
}

async function warmUpWrites(write: Writer, documents: number, perTransaction: number): Promise<void> {
  for (let first = 0; first < documents; first += perTransaction) {
    await write(first, Math.min(perTransaction, documents - first));
  }
}

function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  return Array.from({ length: count }, () => items[Math.floor(random() * items.length)] as T);
}

interface BuiltProof {
  revision: LedgerRevision;
  proof: Hash[];
}

async function timeProofs(
  ledger: Ledger,
  revisions: readonly LedgerRevision[],
  digest: NonNullable<Awaited<ReturnType<Ledger['getDigest']>>>,
  built: BuiltProof[],
): Promise<ProofResult> {
  let hashes = 0;
  const measurement = await measure(revisions.length, async () => {
    for (const revision of revisions) {
      const proof = await ledger.getRevisionProof(
        revision.blockAddress,
        revision.metadata.id,
        digest.tipAddress,
        revision.metadata.version,
      );
      hashes += proof.length;
      built.push({ revision, proof });
    }
  });
  return { measurement, averageLength: hashes / revisions.length };
}

async function benchWrites(db: InstrumentedDatabase, ledger: Ledger, sizes: LedgerBenchSizes) {
  const single: LedgerRevision[] = [];
  const batched: LedgerRevision[] = [];
  const warm: LedgerRevision[] = [];
  await warmUpWrites(plainWriter(db, 'warm-'), sizes.warmUp, 1);
  await warmUpWrites(ledgerWriter(ledger, 'warm-', warm), sizes.warmUp, 1);
  progress(`${db.engine}: ${sizes.single} plain inserts, 1 per transaction`);
  const plainSingle = await timeWrites(db, plainWriter(db, 'single-'), sizes.single, 1);
  progress(`${db.engine}: ${sizes.single} ledger appends, 1 per transaction`);
  const ledgerSingle = await timeWrites(db, ledgerWriter(ledger, 'single-', single), sizes.single, 1);
  await warmUpWrites(plainWriter(db, 'warm-batch-'), sizes.warmUp, sizes.batchSize);
  await warmUpWrites(ledgerWriter(ledger, 'warm-batch-', warm), sizes.warmUp, sizes.batchSize);
  progress(`${db.engine}: ${sizes.batched} plain inserts, ${sizes.batchSize} per transaction`);
  const plainBatched = await timeWrites(db, plainWriter(db, 'batch-'), sizes.batched, sizes.batchSize);
  progress(`${db.engine}: ${sizes.batched} ledger appends, ${sizes.batchSize} per transaction`);
  const ledgerBatched = await timeWrites(
    db,
    ledgerWriter(ledger, 'batch-', batched),
    sizes.batched,
    sizes.batchSize,
  );
  return { plainSingle, ledgerSingle, plainBatched, ledgerBatched, single, batched };
}

/**
 * Benchmarks the ledger on an empty database: appends one and `batchSize`
 * documents per transaction against plain inserts of the same JSON into
 * `bench_plain`, then proofs for random revisions against the current digest and
 * their verification. Runs on `db` as given; the caller owns and drops it.
 */
export async function benchLedger(
  db: InstrumentedDatabase,
  sizes: LedgerBenchSizes,
): Promise<LedgerBenchResult> {
  const ledger = await openLedger(db);
  await db.exec('create table bench_plain (id text primary key, data jsonb not null)');
  const writes = await benchWrites(db, ledger, sizes);
  const digest = await ledger.getDigest();
  if (digest === null) throw new Error('the ledger has no digest after the appends');
  const random = seededRandom(42);
  const built: BuiltProof[] = [];
  // Warm-up proofs are built and verified like the timed ones, then dropped.
  const warm: BuiltProof[] = [];
  await timeProofs(ledger, sample(writes.single, sizes.warmUp, random), digest, warm);
  for (const { revision, proof } of warm) verifyRevision(revision, proof, digest.digest);
  progress(`${db.engine}: ${sizes.proofs + sizes.batchedProofs} revision proofs and verifications`);
  const proofsSingle = await timeProofs(ledger, sample(writes.single, sizes.proofs, random), digest, built);
  const proofsBatched = await timeProofs(
    ledger,
    sample(writes.batched, sizes.batchedProofs, random),
    digest,
    built,
  );
  let failed = 0;
  const verification = await measure(built.length, () => {
    for (const { revision, proof } of built) {
      if (!verifyRevision(revision, proof, digest.digest)) failed += 1;
    }
  });
  if (failed > 0) throw new Error(`${failed} of ${built.length} proofs did not verify against the digest`);
  return {
    plainSingle: writes.plainSingle,
    ledgerSingle: writes.ledgerSingle,
    plainBatched: writes.plainBatched,
    ledgerBatched: writes.ledgerBatched,
    proofsSingle,
    proofsBatched,
    verification,
    blocks: digest.tipAddress.sequenceNo + 1,
  };
}
