import type { dom } from 'ion-js';
import type { ExportedBlock } from '../exportedBlock.ts';
import type { Hash } from '../ledgerHash.ts';
import type { BlockAddress, LedgerDigest } from '../ledgerTypes.ts';

/** One QLDB transaction: its statements run in order, each answering its result values. */
export interface DriverTransaction {
  /** Runs one PartiQL statement with its parameters (converted to Ion by the driver); every page is fetched. */
  execute(statement: string, ...parameters: unknown[]): Promise<dom.Value[]>;
}

/** A revision as the control plane's GetRevision returns it: the revision and its proof to a digest tip. */
export interface DriverRevisionProof {
  /** `{blockAddress, hash, data, metadata}` as QLDB prints it. */
  revision: dom.Value;
  proof: Hash[];
}

/**
 * A ledger reached as a QLDB ledger: the session API through amazon-qldb-driver-nodejs,
 * the control plane through @aws-sdk/client-qldb. The port keeps the two libraries out
 * of the adapters (src/backends/ledger/driver/qldbLedgerDriver.ts implements it).
 */
export interface LedgerDriver {
  /** A short name for logs and health reports, naming the endpoint. */
  readonly name: string;
  /**
   * Runs `work` in one QLDB transaction (the driver's `executeLambda`), committed when it
   * resolves and aborted when it throws. An OCC conflict reruns `work` up to the retry
   * limit; past it, and on any failure of the ledger, it rejects with a FigwayError
   * (`CONFLICT`, retryable, or `BACKEND_UNAVAILABLE`); what `work` throws is rethrown as is.
   */
  transaction<T>(work: (txn: DriverTransaction) => Promise<T>): Promise<T>;
  /** The ledger's digest and its tip (GetDigest). */
  getDigest(): Promise<LedgerDigest>;
  /** A document's revision in `block` with its proof to `tip` (GetRevision). */
  getRevision(documentId: string, block: BlockAddress, tip: BlockAddress): Promise<DriverRevisionProof>;
  /** A block, as a QLDB export shows it, with its proof to `tip` (GetBlock). */
  getBlock(block: BlockAddress, tip: BlockAddress): Promise<{ block: ExportedBlock; proof: Hash[] }>;
  /** Ends the driver's sessions and the control-plane client. */
  close(): Promise<void>;
}
