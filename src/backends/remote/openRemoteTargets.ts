import { parse } from 'graphql';
import type { BackendEvents } from '../../core/database.ts';
import type { ConnectStore } from '../connectStore.ts';
import { createTargetStore } from '../targetStore.ts';
import { createRemoteCalls } from './remoteCalls.ts';
import { type RemoteLedgerReads, remoteLedgerReads } from './remoteLedgerReads.ts';
import { remoteCommitmentPort, remoteOltpReads } from './remotePorts.ts';
import {
  createTargetServiceExecutor,
  type RemoteCallContext,
  type TargetServiceEndpoint,
  type TargetServiceExecutor,
  type TargetServiceName,
} from './targetServiceExecutor.ts';

/** Options of {@link openRemoteTargets}. */
export interface RemoteTargetsOptions {
  ledger: TargetServiceEndpoint;
  oltp: TargetServiceEndpoint;
  /** Where each service's failures and budget cuts are reported (logs, metrics). @default none */
  events?: Partial<Record<TargetServiceName, BackendEvents>>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The target side over two remote target services. */
export interface RemoteTargets {
  /** The Connect port over the services, with createTargetStore's checks (references, visibility first). */
  store: ConnectStore;
  /** History and verification through the ledger service, for a gateway without the ledger's database. */
  ledger: RemoteLedgerReads;
  /** Resolves when the service answers `{ __typename }`; rejects otherwise. */
  ping: Record<TargetServiceName, () => Promise<void>>;
  /** Aborts the calls in flight and stops the executors. */
  close(): Promise<void>;
}

const TYPENAME = parse('query Ping { __typename }');

/**
 * Opens the target side over the ledger and OLTP services: the Connect port over their
 * HTTP executors, each port method one operation of the service's contract
 * (remotePorts), batched per viewer and macrotask (remoteCalls), within the gateway's checks of
 * createTargetStore. Its commitment reads carry their parties and documents, so the
 * store's `partsOf` answers them as the in-process ledger's does; history and
 * verification go through the same calls (remoteLedgerReads). References a write names
 * are read with the caller's token: the gateway holds no service_role token for the
 * services (the service key, when set, says that a gateway calls, not who the caller is).
 */
export async function openRemoteTargets(options: RemoteTargetsOptions): Promise<RemoteTargets> {
  const fetchOption = options.fetch === undefined ? {} : { fetch: options.fetch };
  const executors: Record<TargetServiceName, TargetServiceExecutor> = {
    ledger: createTargetServiceExecutor(options.ledger, fetchOption),
    oltp: createTargetServiceExecutor(options.oltp, fetchOption),
  };
  const calls = createRemoteCalls(executors, options.events);

  async function ping(service: TargetServiceName) {
    const context: RemoteCallContext = { authorization: null, writeIntent: null };
    const result = await executors[service]({ document: TYPENAME, context });
    if (!('data' in result) || result.errors !== undefined || result.data?.__typename !== 'Query')
      throw new Error(`the ${service} service did not answer { __typename }`);
  }

  return {
    store: createTargetStore({
      oltp: { ...remoteOltpReads(calls), ping: () => ping('oltp') },
      commitments: remoteCommitmentPort(calls),
      name: 'target (ledger + oltp services)',
      referencesReadAs: 'caller',
    }),
    ledger: remoteLedgerReads(calls),
    ping: { ledger: () => ping('ledger'), oltp: () => ping('oltp') },
    async close() {
      await Promise.all(Object.values(executors).map((executor) => executor[Symbol.asyncDispose]()));
    },
  };
}
