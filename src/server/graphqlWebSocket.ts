import type { Server } from 'node:http';
import type { Extra } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { Viewer } from '../backends/viewer.ts';
import type { Logger } from '../core/logger.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { closeWhenTokenExpires } from './closeWhenTokenExpires.ts';
import { wsAuthorization } from './operationFacts.ts';
import { type BearerVerifier, SigningKeysUnavailableError } from './verifyBearer.ts';

/**
 * How a socket is closed when its token cannot be checked because the signing keys are
 * unavailable: 1013 Try Again Later, which graphql-ws clients retry (4403 they do not).
 */
export const KEYS_UNAVAILABLE = {
  code: 1013,
  reason: 'try again later: the token could not be checked',
} as const;

/** What {@link checkConnection} needs of the gateway. */
export interface ConnectionCheckOptions {
  verifyBearer: BearerVerifier;
  logger: Logger;
  /** Keeps the socket's viewer for its operations. */
  remember(extra: Extra, viewer: Viewer): void;
  /** Heard just before a socket is closed because its token expired (to count it). */
  onTokenExpired(): void;
}

/**
 * graphql-ws's `onConnect`: verifies the socket's token (connectionParams.authorization,
 * else the upgrade request's header) and closes the socket when the token expires. A
 * verdict on the token refuses the socket (graphql-ws closes it with 4403 Forbidden);
 * signing keys that cannot be had close it with {@link KEYS_UNAVAILABLE} (a debug line: the
 * bearer verifier logs the outage itself, rate limited);
 * anything else is logged and closes it with 4500, as graphql-ws would, without its
 * report on stderr.
 */
export function checkConnection(options: ConnectionCheckOptions) {
  return async (ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: Extra }) => {
    const { socket, request } = ctx.extra;
    try {
      const viewer = await options.verifyBearer(wsAuthorization(ctx.connectionParams, request));
      options.remember(ctx.extra, viewer);
      closeWhenTokenExpires(socket, viewer, { onExpire: options.onTokenExpired });
      return true;
    } catch (error) {
      if (error instanceof FigwayError && error.code === ErrorCode.UNAUTHENTICATED) {
        options.logger.debug({ err: error }, 'graphql-ws connection refused: bad bearer token');
        return false;
      }
      if (error instanceof SigningKeysUnavailableError) {
        // The bearer verifier logs the outage, rate limited: a line per socket would flood the log.
        options.logger.debug(
          { err: error.cause, code: error.code },
          `graphql-ws connection: ${error.message}`,
        );
        socket.close(KEYS_UNAVAILABLE.code, KEYS_UNAVAILABLE.reason);
      } else {
        options.logger.error({ err: error }, 'graphql-ws connection: checking its token failed');
        socket.close(4500, 'Internal server error');
      }
      return false; // graphql-ws's own close (4403) then finds the socket closing already
    }
  };
}

/**
 * The WebSocket server graphql-ws is served on, at `/graphql` on the gateway's HTTP
 * server. A message larger than `maxPayload` bytes (the HTTP body limit,
 * FIGWAY_MAX_BODY_BYTES) is refused as it arrives, before it is buffered or parsed:
 * its socket is closed with 1009 (message too big). ws's own default is 100 MiB.
 */
export function createGraphqlWebSocketServer(server: Server, maxPayload: number): WebSocketServer {
  return new WebSocketServer({ server, path: '/graphql', maxPayload });
}

function codeOf(error: Error): string | undefined {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}

/**
 * Logs what breaks a socket through the gateway's logger: a message over the limit, a
 * frame that is not valid WebSocket. ws has closed the socket already (1009, 1002,
 * 1007); graphql-ws would report it on stderr as an internal error, so its listener is
 * replaced. Call after graphql-ws's `useServer`, whose 'connection' listener comes first.
 */
export function logSocketErrors(wsServer: WebSocketServer, logger: Logger) {
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error) => {
      logger.warn(
        { code: codeOf(error), reason: error.message },
        'WebSocket closed: the client broke the protocol',
      );
      if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'Internal server error');
    });
  });
}
