import type { Viewer } from '../backends/viewer.ts';

/** The settings of a {@link VerificationCache}. */
export interface VerificationCacheOptions {
  /** The most entries kept across every scope; storing one more drops the oldest stored. */
  maxEntries: number;
  /** The longest an entry is used after it was stored, in milliseconds, whatever the token's expiry. */
  maxAgeMs: number;
}

/**
 * The viewers of tokens that verified, each usable in a window of time: `validFrom`
 * (inclusive) to `validUntil` (exclusive), in milliseconds since the epoch.
 */
export interface VerificationScope {
  /** The viewer stored for `token` if `now` is inside its window; an entry outside it is dropped. */
  get(token: string, now: number): Viewer | undefined;
  /**
   * Keeps `viewer` for `token` from `validFrom` to `validUntil`, cut at `now` plus the
   * cache's maximum age. The viewer is frozen, claims included: later callers get a
   * copy of it that shares the claims, so one request cannot change what another sees.
   */
  set(token: string, viewer: Viewer, window: { now: number; validFrom: number; validUntil: number }): void;
}

/**
 * A bounded store of successful token verifications, shared by the verifiers of a
 * process; each verifier reads and writes its own scope, so a verifier with another
 * secret, key set or claim rules never sees another's entries.
 */
export interface VerificationCache {
  /** A scope no other call of `scope()` shares. */
  scope(): VerificationScope;
  /** The entries held, across every scope (expired ones count until they are read or evicted). */
  readonly size: number;
}

interface Entry {
  viewer: Viewer;
  validFrom: number;
  validUntil: number;
}

// Claims come from a JWT's JSON payload: plain objects and arrays, without cycles.
function freezeDeep<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}

/**
 * Builds a {@link VerificationCache}. Eviction is O(1): a Map keeps insertion order, so
 * the first key is the oldest stored. No timer runs: entries out of their window are
 * dropped when read, or evicted by newer ones.
 */
export function createVerificationCache(options: VerificationCacheOptions): VerificationCache {
  const { maxEntries, maxAgeMs } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  if (!(maxAgeMs > 0)) throw new RangeError(`maxAgeMs must be positive, got ${maxAgeMs}`);
  const entries = new Map<string, Entry>();
  let scopes = 0;
  return {
    scope() {
      // A token is \S+ (the verifier's header pattern), so a space ends the prefix unambiguously.
      const prefix = `${++scopes} `;
      return {
        get(token, now) {
          const key = prefix + token;
          const entry = entries.get(key);
          if (entry === undefined) return undefined;
          if (now >= entry.validFrom && now < entry.validUntil) return entry.viewer;
          entries.delete(key);
          return undefined;
        },
        set(token, viewer, window) {
          const key = prefix + token;
          const validUntil = Math.min(window.validUntil, window.now + maxAgeMs);
          entries.delete(key);
          entries.set(key, { viewer: freezeDeep(viewer), validFrom: window.validFrom, validUntil });
          if (entries.size > maxEntries) {
            const oldest = entries.keys().next();
            if (oldest.done !== true) entries.delete(oldest.value);
          }
        },
      };
    },
    get size() {
      return entries.size;
    },
  };
}

/** The cache every verifier of the process uses unless given another: 10,000 entries, 60 s at most each. */
export const processVerificationCache: VerificationCache = createVerificationCache({
  maxEntries: 10_000,
  maxAgeMs: 60_000,
});
