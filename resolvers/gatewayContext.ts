import type { ConnectStore } from '../src/backends/connectStore.ts';
import type { Viewer } from '../src/backends/viewer.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { type ConnectLoaders, createConnectLoaders } from './connectLoaders.ts';

/** What every resolver of one request sees: who asks, the legacy store, and the request's loaders. */
export interface GatewayContext {
  viewer: Viewer;
  legacy: ConnectStore;
  loaders: ConnectLoaders;
}

/** Builds the context of one request (HTTP or WebSocket operation). */
export function createGatewayContext(viewer: Viewer, legacy: ConnectStore): GatewayContext {
  return { viewer, legacy, loaders: createConnectLoaders(legacy, viewer) };
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
