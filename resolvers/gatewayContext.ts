import DataLoader from 'dataloader';
import type { ConnectStore } from '../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../src/backends/ledger/commitmentDocument.ts';
import type { LedgerCommitments } from '../src/backends/ledger/ledgerCommitments.ts';
import type { LedgerRevision } from '../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../src/backends/ledger/openLedger.ts';
import type { Viewer } from '../src/backends/viewer.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { type ConnectLoaders, createConnectLoaders } from './connectLoaders.ts';

/** The ledger as resolvers reach it: for history and verification, which always read the ledger. */
export interface LedgerAccess {
  ledger: Ledger;
  commitments: LedgerCommitments;
}

/** What every resolver of one request sees: who asks, the stores, and the request's loaders. */
export interface GatewayContext {
  viewer: Viewer;
  legacy: ConnectStore;
  ledger: LedgerAccess | null;
  loaders: ConnectLoaders;
  /** Each visible commitment's ledger revisions, batched; null without a ledger. */
  history: DataLoader<string, Array<LedgerRevision<CommitmentDocument>>> | null;
}

/** Builds the context of one request (HTTP or WebSocket operation). */
export function createGatewayContext(
  viewer: Viewer,
  legacy: ConnectStore,
  ledger: LedgerAccess | null = null,
): GatewayContext {
  const history =
    ledger === null
      ? null
      : new DataLoader<string, Array<LedgerRevision<CommitmentDocument>>>(async (ids) => {
          const revisions = await ledger.commitments.historyByIds(viewer, ids);
          return ids.map((id) => revisions.filter((revision) => revision.metadata.id === id));
        });
  return { viewer, legacy, ledger, loaders: createConnectLoaders(legacy, viewer), history };
}

/** The ledger, or BACKEND_UNAVAILABLE naming the settings that configure it. */
export function requireLedger(context: GatewayContext): LedgerAccess {
  if (context.ledger === null) {
    throw new FigwayError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'No ledger is configured: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.',
      { backend: 'ledger' },
    );
  }
  return context.ledger;
}

/** The viewer's profile id; throws UNAUTHENTICATED for callers that cannot own data. */
export function requireProfileId(context: GatewayContext): string {
  const { viewer } = context;
  if (viewer.kind === 'user') return viewer.id;
  if (viewer.kind === 'service' && viewer.id !== null) return viewer.id;
  throw new FigwayError(
    ErrorCode.UNAUTHENTICATED,
    'Sign in to change data: send "Authorization: Bearer <jwt>".',
  );
}
