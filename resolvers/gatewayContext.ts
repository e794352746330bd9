import DataLoader from 'dataloader';
import {
  type ConnectLoaders,
  createConnectLoaders,
  type EventReads,
} from '../src/backends/connectLoaders.ts';
import type { ConnectStore } from '../src/backends/connectStore.ts';
import type { CommitmentDocument } from '../src/backends/ledger/commitmentDocument.ts';
import type { LedgerCommitments } from '../src/backends/ledger/ledgerCommitments.ts';
import type { LedgerRevision } from '../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../src/backends/ledger/openLedger.ts';
import type { CommitmentVerification, verificationAnswer } from '../src/backends/ledger/verifyCommitment.ts';
import type { Viewer } from '../src/backends/viewer.ts';
import type { Side } from '../src/core/stage.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import type { RoutedContext } from '../src/routing/migrate.ts';
import type { RequestRouter } from '../src/routing/requestRouter.ts';
import type { RequestShadow } from '../src/shadow/shadowRunner.ts';
import type { WriteMirror } from '../src/writes/writeMirror.ts';

/**
 * The ledger as resolvers reach it, for history and verification, which always read the
 * ledger: in process (its database), through the QLDB driver, or through the ledger service.
 */
export type LedgerAccess = InProcessLedgerAccess | DriverLedgerAccess | RemoteLedgerAccess;

/**
 * A revision of a commitment as `history` shows it: where and when it was written, and the
 * commitment as it was (parties and documents included).
 */
export type HistoryRevision = Pick<LedgerRevision<CommitmentDocument>, 'blockAddress' | 'metadata' | 'data'>;

/** The ledger opened in process (LEDGER_DATABASE_URL, or the embedded default). */
export interface InProcessLedgerAccess {
  ledger: Ledger;
  commitments: LedgerCommitments;
}

/** The ledger reached through amazon-qldb-driver-nodejs (LEDGER_QLDB_ENDPOINT). */
export interface DriverLedgerAccess {
  commitments: LedgerCommitments;
  /** Query.verifyCommitment's check through the ledger's control plane (verifyDriverCommitment). */
  verify(viewer: Viewer, id: string, version?: number): Promise<CommitmentVerification | null>;
}

/**
 * The ledger reached through the ledger service (LEDGER_SERVICE_URL without
 * LEDGER_DATABASE_URL): it reads the history and checks the proof (remoteLedgerReads).
 */
export interface RemoteLedgerAccess {
  /** Every revision of each visible commitment among `ids` (the service's historyByCommitmentIds). */
  historyByIds(viewer: Viewer, ids: readonly string[]): Promise<HistoryRevision[]>;
  /** The service's verifyCommitment, as the public schema shows it; null when not visible. */
  verifyAnswer(
    viewer: Viewer,
    id: string,
    version?: number,
  ): Promise<ReturnType<typeof verificationAnswer> | null>;
}

// The revisions of each commitment among `ids`: those of the documents whose data names
// it. The gateway's own documents have the commitment's id as their ledger id; one
// inserted through a QLDB session has an id QLDB gave it, and the commitment's in `id`.
function revisionsByCommitment(
  ids: readonly string[],
  revisions: readonly HistoryRevision[],
): HistoryRevision[][] {
  return ids.map((id) => {
    const documents = new Set(
      revisions
        .filter((revision) => revision.metadata.id === id || revision.data?.id === id)
        .map((revision) => revision.metadata.id),
    );
    return revisions.filter((revision) => documents.has(revision.metadata.id));
  });
}

/** One side of the migration as a request sees it: its store and the request's loaders over it. */
export interface SideStores {
  side: Side;
  store: ConnectStore;
  loaders: ConnectLoaders;
}

/** The backends a gateway serves from; the target is null until it is configured. */
export interface GatewayBackends {
  legacy: ConnectStore;
  target: ConnectStore | null;
  ledger: LedgerAccess | null;
  mirror: WriteMirror;
}

/** What every resolver of one request sees: who asks, both sides, the router and the ledger. */
export interface GatewayContext extends RoutedContext {
  viewer: Viewer;
  stores: { legacy: SideStores; target: SideStores | null };
  ledger: LedgerAccess | null;
  /** Each visible commitment's ledger revisions, batched; null without a ledger. */
  history: DataLoader<string, HistoryRevision[]> | null;
}

/**
 * Builds the context of one request (HTTP or WebSocket operation), or of one
 * subscription event: then `reads` are the event's loaders, shared by every subscriber
 * the hub found allowed to see the commitment, so the event costs one read per instance.
 */
export function createGatewayContext(
  viewer: Viewer,
  backends: GatewayBackends,
  router: RequestRouter,
  shadow?: RequestShadow,
  reads?: EventReads,
): GatewayContext {
  const { ledger, target } = backends;
  const history =
    ledger === null
      ? null
      : new DataLoader<string, HistoryRevision[]>(async (ids) => {
          const revisions =
            'commitments' in ledger
              ? await ledger.commitments.historyByIds(viewer, ids)
              : await ledger.historyByIds(viewer, ids);
          return revisionsByCommitment(ids, revisions);
        });
  return {
    viewer,
    stores: {
      legacy: {
        side: 'legacy',
        store: backends.legacy,
        loaders: reads?.legacy ?? createConnectLoaders(backends.legacy, viewer),
      },
      target:
        target === null
          ? null
          : { side: 'target', store: target, loaders: reads?.target ?? createConnectLoaders(target, viewer) },
    },
    ledger,
    history,
    router,
    mirror: backends.mirror,
    ...(shadow === undefined ? {} : { shadow }),
    // Re-reads (noise checks, lag rechecks) must not hit this request's caches.
    fresh: () => createGatewayContext(viewer, backends, router),
  };
}

/** The stores of one side; the target side throws BACKEND_UNAVAILABLE when it is not configured. */
export function sideStores(context: GatewayContext, side: Side): SideStores {
  const stores = context.stores[side];
  if (stores === null) {
    throw new FigwayError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'No target is configured: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.',
      {
        backend: side,
      },
    );
  }
  return stores;
}

/** The ledger, or BACKEND_UNAVAILABLE naming the settings that configure it. */
export function requireLedger(context: GatewayContext): LedgerAccess {
  if (context.ledger === null) {
    throw new FigwayError(
      ErrorCode.BACKEND_UNAVAILABLE,
      'No ledger is configured: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL, or LEDGER_SERVICE_URL and OLTP_SERVICE_URL.',
      {
        backend: 'ledger',
      },
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
