import { createHmac } from 'node:crypto';
import type { PathDiff } from '../core/observation.ts';
import { boundDepth } from './boundDepth.ts';
import { isIgnored } from './compareValues.ts';

/** Variable names whose values are hashed in every observation, wherever they appear. */
export const SENSITIVE_KEYS: readonly string[] = [
  'email',
  'password',
  'token',
  'secret',
  'phone',
  'jwt',
  'authorization',
];

/**
 * A keyed hash: stable for one salt, so equal values stay recognizable without being
 * readable. Values nested past the depth bound are hashed as their bounded copy.
 */
export function keyedHash(value: unknown, salt: string): string {
  return `hmac:${createHmac('sha256', salt)
    .update(JSON.stringify(boundDepth(value)) ?? 'undefined')
    .digest('hex')
    .slice(0, 16)}`;
}

/**
 * Hashes the values of sensitive keys (case-insensitive, at any depth) in an operation's
 * variables. Never recurses: levels past the depth bound are summarized, not followed.
 */
export function redactVariables(
  value: unknown,
  salt: string,
  keys: readonly string[] = SENSITIVE_KEYS,
): unknown {
  return boundDepth(value, undefined, (key, field) =>
    keys.includes(key.toLowerCase()) ? keyedHash(field, salt) : undefined,
  );
}

/**
 * Hashes both values of every diff whose path matches one of `patterns`; the other
 * values are kept, with levels past the depth bound summarized so they can be stored.
 */
export function redactDiffs(
  diffs: readonly PathDiff[],
  patterns: readonly string[],
  salt: string,
): PathDiff[] {
  return diffs.map((diff) => {
    const where = diff.id === undefined ? { path: diff.path } : { path: diff.path, id: diff.id };
    return patterns.length > 0 && isIgnored(diff.path, patterns)
      ? { ...where, control: keyedHash(diff.control, salt), candidate: keyedHash(diff.candidate, salt) }
      : { ...where, control: boundDepth(diff.control), candidate: boundDepth(diff.candidate) };
  });
}
