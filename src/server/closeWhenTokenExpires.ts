import type { Viewer } from '../backends/viewer.ts';

/** The part of a WebSocket this needs: its state, closing it, and hearing that it closed. */
export interface ClosableSocket {
  /** As ws numbers it: 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  readonly readyState: number;
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

// ws's WebSocket.CLOSING: from then on 'close' has fired or is about to, never again.
const CLOSING = 2;

/** How a socket is closed when its token expires: graphql-ws's Unauthorized code, which clients do not retry. */
export const TOKEN_EXPIRED = { code: 4401, reason: 'token expired' } as const;

// Node fires a timer at once when its delay exceeds 2^31 - 1 ms (about 24.8 days),
// which a ten-year API key would hit: longer waits are taken in steps.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link closeWhenTokenExpires}. */
export interface TokenExpiryOptions {
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
  /** Heard just before the socket is closed because its token expired (to count it). */
  onExpire?: () => void;
}

/**
 * Closes `socket` with 4401 "token expired" when the token it connected with
 * (`exp` of the viewer's claims) expires, so a socket never outlives its token.
 * Anonymous viewers have no token to expire. A socket already closing or closed (its
 * client left while its token was being verified) gets no timer: its 'close' event is
 * past, and the timer would hold the socket and its viewer until the token expired.
 */
export function closeWhenTokenExpires(
  socket: ClosableSocket,
  viewer: Viewer,
  options: TokenExpiryOptions = {},
) {
  if (viewer.kind === 'anonymous' || socket.readyState >= CLOSING) return;
  const exp = viewer.claims.exp;
  if (typeof exp !== 'number') return;
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const remaining = exp * 1000 - now();
    if (remaining <= 0) {
      options.onExpire?.();
      return socket.close(TOKEN_EXPIRED.code, TOKEN_EXPIRED.reason);
    }
    timer = setTimeout(check, Math.min(remaining, LONGEST_TIMER_MS));
  };
  check();
  socket.once('close', () => clearTimeout(timer));
}
