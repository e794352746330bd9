import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Viewer } from '../../src/backends/viewer.ts';
import { closeWhenTokenExpires, TOKEN_EXPIRED } from '../../src/server/closeWhenTokenExpires.ts';

const DAY_MS = 24 * 3600 * 1000;

/** A socket that records how it was closed and emits `close` like ws does (once, when it closes). */
function recordingSocket() {
  const events = new EventEmitter();
  const closes: Array<{ code: number; reason: string }> = [];
  return {
    closes,
    readyState: WebSocket.OPEN as number,
    close(code: number, reason: string) {
      closes.push({ code, reason });
      if (this.readyState === WebSocket.CLOSED) return;
      this.readyState = WebSocket.CLOSED;
      events.emit('close');
    },
    once: (event: 'close', listener: () => void) => events.once(event, listener),
  };
}

function viewerExpiringIn(ms: number): Viewer {
  const exp = Math.floor((Date.now() + ms) / 1000);
  return { kind: 'service', id: null, claims: { role: 'service_role', exp }, token: 't' };
}

describe('closeWhenTokenExpires', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes the socket with 4401 "token expired" once exp has passed, not before', () => {
    const socket = recordingSocket();
    closeWhenTokenExpires(socket, viewerExpiringIn(60_000));
    vi.advanceTimersByTime(59_000);
    expect(socket.closes).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(socket.closes).toEqual([TOKEN_EXPIRED]);
  });

  it('waits out an expiry beyond the longest timer Node keeps (about 24.8 days) instead of firing at once', () => {
    const socket = recordingSocket();
    closeWhenTokenExpires(socket, viewerExpiringIn(40 * DAY_MS));
    vi.advanceTimersByTime(39 * DAY_MS);
    expect(socket.closes).toEqual([]);
    vi.advanceTimersByTime(DAY_MS);
    expect(socket.closes).toEqual([TOKEN_EXPIRED]);
  });

  it('forgets the timer when the socket closes first, and leaves anonymous sockets alone', () => {
    const socket = recordingSocket();
    closeWhenTokenExpires(socket, viewerExpiringIn(60_000));
    socket.close(1000, 'bye');
    expect(vi.getTimerCount()).toBe(0);
    closeWhenTokenExpires(recordingSocket(), { kind: 'anonymous' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts no timer for a socket that closed while its token was being verified', () => {
    for (const readyState of [WebSocket.CLOSING, WebSocket.CLOSED]) {
      const socket = recordingSocket();
      socket.readyState = readyState;
      // Ten years, as a Supabase API key: a timer would hold the socket and its viewer as long.
      closeWhenTokenExpires(socket, viewerExpiringIn(3650 * DAY_MS));
      expect(vi.getTimerCount()).toBe(0);
      expect(socket.closes).toEqual([]);
    }
  });
});
