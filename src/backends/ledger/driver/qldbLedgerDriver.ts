import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { GetBlockCommand, GetDigestCommand, GetRevisionCommand, QLDBClient } from '@aws-sdk/client-qldb';
import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import * as ion from 'ion-js';
import type { BackendEvents } from '../../../core/database.ts';
import { ErrorCode, FigwayError } from '../../../errors.ts';
import type { LedgerDriverConfig } from '../../../ledgerDriverConfig.ts';
import { currentRequestBudget, requestTimeoutError } from '../../requestBudget.ts';
import { readExportedBlock } from '../exportedBlock.ts';
import type { Hash } from '../ledgerHash.ts';
import type { BlockAddress } from '../ledgerTypes.ts';
import { blockAddressOf } from './driverDocuments.ts';
import type { DriverTransaction, LedgerDriver } from './ledgerDriver.ts';

/** Options of {@link openQldbLedgerDriver}. */
export interface QldbLedgerDriverOptions {
  /**
   * Transactions in flight at once (the driver's session pool); more wait their turn
   * here, since the driver itself refuses them (SessionPoolEmptyError). @default 16
   */
  maxConcurrentTransactions?: number;
  /** How often a transaction reruns after an OCC conflict, as the in-process adapter retries. @default 3 */
  retries?: number;
  /** Longest wait for the endpoint's answer to one HTTP request, in ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Told of each failure of the ledger (not of conflicts, nor of what a transaction's own work throws). */
  events?: BackendEvents;
}

// Network errors raised before a request reached the endpoint.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ECONNRESET']);

function proofOf(text: string | undefined): Hash[] {
  const proof = ion.load(text ?? '[]');
  if (proof === null) throw new Error('the ledger answered no proof');
  return proof.elements().map((hash) => new Uint8Array(hash.uInt8ArrayValue() ?? []));
}

function addressText(address: BlockAddress): string {
  return `{strandId:${JSON.stringify(address.strandId)},sequenceNo:${address.sequenceNo}}`;
}

/**
 * A bound on work in flight: `run` waits while `limit` runs are unfinished, and no
 * longer than the request's time budget allows (REQUEST_TIMEOUT, nothing sent).
 */
function createLimiter(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  function slot(): Promise<void> {
    const budget = currentRequestBudget();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const take = () => {
        clearTimeout(timer);
        resolve();
      };
      waiting.push(take);
      if (budget === undefined) return;
      timer = setTimeout(() => {
        const at = waiting.indexOf(take);
        if (at < 0) return;
        waiting.splice(at, 1);
        reject(requestTimeoutError(budget.timeoutMs));
      }, Math.ceil(budget.remainingMs()));
    });
  }
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limit) await slot();
    else running += 1;
    try {
      return await work();
    } finally {
      // The slot passes to the next waiter, or is freed.
      const next = waiting.shift();
      if (next === undefined) running -= 1;
      else next();
    }
  };
}

/**
 * Opens a {@link LedgerDriver} on `figway ledger serve` (or any QLDB endpoint): a
 * QldbDriver with a RetryConfig of `retries` for the session API, and a QLDBClient for
 * GetDigest and GetRevision, both with the endpoint override, the access key and the
 * region of `config`. Nothing is sent until the first call.
 */
export function openQldbLedgerDriver(
  config: LedgerDriverConfig,
  options: QldbLedgerDriverOptions = {},
): LedgerDriver {
  const limit = options.maxConcurrentTransactions ?? 16;
  const retries = options.retries ?? 3;
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const agentOptions = { keepAlive: true, maxSockets: limit };
  const agent = config.endpoint.startsWith('https:')
    ? { httpsAgent: new HttpsAgent(agentOptions) }
    : { httpAgent: new HttpAgent(agentOptions) };
  const client = { endpoint: config.endpoint, region: config.region, credentials: config.credentials };
  const driver = new QldbDriver(
    config.ledgerName,
    client,
    { ...agent, requestTimeout },
    limit,
    new RetryConfig(retries),
  );
  const control = new QLDBClient({ ...client, maxAttempts: 2 });
  const run = createLimiter(limit);

  function failure(error: unknown): FigwayError {
    if (error instanceof FigwayError) return error;
    const name = (error as { name?: unknown }).name;
    if (name === 'OccConflictException')
      return new FigwayError(
        ErrorCode.CONFLICT,
        `The ledger write conflicted with other writers ${retries + 1} times in a row; retry.`,
        { retryable: true },
        error,
      );
    const code = (error as { code?: unknown }).code;
    options.events?.backendFailed(
      error,
      typeof code === 'string' && NOT_CONNECTED.has(code) ? 'connect' : 'statement',
    );
    return new FigwayError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'The ledger backend failed to answer.',
      { backend: 'ledger' },
      error,
    );
  }

  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw failure(error);
    }
  }

  return {
    name: `ledger (QLDB driver, ${config.endpoint})`,
    transaction: (work) =>
      guarded(() =>
        run(() =>
          driver.executeLambda((executor) => {
            const txn: DriverTransaction = {
              execute: async (statement, ...parameters) =>
                (await executor.execute(statement, ...parameters)).getResultList(),
            };
            return work(txn);
          }),
        ),
      ),
    getDigest: () =>
      guarded(async () => {
        const answer = await control.send(new GetDigestCommand({ Name: config.ledgerName }));
        const tip = ion.load(answer.DigestTipAddress?.IonText ?? '');
        if (answer.Digest === undefined || tip === null) throw new Error('GetDigest answered no digest');
        return { digest: new Uint8Array(answer.Digest), tipAddress: blockAddressOf(tip) };
      }),
    getRevision: (documentId, block, tip) =>
      guarded(async () => {
        const answer = await control.send(
          new GetRevisionCommand({
            Name: config.ledgerName,
            DocumentId: documentId,
            BlockAddress: { IonText: addressText(block) },
            DigestTipAddress: { IonText: addressText(tip) },
          }),
        );
        const revision = ion.load(answer.Revision?.IonText ?? '');
        if (revision === null) throw new Error('GetRevision answered no revision');
        return { revision, proof: proofOf(answer.Proof?.IonText) };
      }),
    getBlock: (block, tip) =>
      guarded(async () => {
        const answer = await control.send(
          new GetBlockCommand({
            Name: config.ledgerName,
            BlockAddress: { IonText: addressText(block) },
            DigestTipAddress: { IonText: addressText(tip) },
          }),
        );
        const reader = ion.makeReader(answer.Block?.IonText ?? '');
        if (reader.next() === null) throw new Error('GetBlock answered no block');
        return { block: readExportedBlock(reader), proof: proofOf(answer.Proof?.IonText) };
      }),
    async close() {
      driver.close();
      control.destroy();
      for (const pool of Object.values(agent)) pool.destroy();
    },
  };
}
