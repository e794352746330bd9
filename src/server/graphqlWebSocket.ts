import type { Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from '../core/logger.ts';

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
