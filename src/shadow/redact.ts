import { createHmac } from 'node:crypto';
import { isIgnored } from './compareValues.ts';
import type { PathDiff } from './observation.ts';

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

/** A keyed hash: stable for one salt, so equal values stay recognizable without being readable. */
export function keyedHash(value: unknown, salt: string): string {
  return `hmac:${createHmac('sha256', salt)
    .update(JSON.stringify(value) ?? 'undefined')
    .digest('hex')
    .slice(0, 16)}`;
}

/** Hashes the values of sensitive keys (case-insensitive, at any depth) in an operation's variables. */
export function redactVariables(
  value: unknown,
  salt: string,
  keys: readonly string[] = SENSITIVE_KEYS,
): unknown {
  if (Array.isArray(value)) return value.map((item) => redactVariables(item, salt, keys));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      keys.includes(key.toLowerCase()) ? keyedHash(field, salt) : redactVariables(field, salt, keys),
    ]),
  );
}

/** Hashes both values of every diff whose path matches one of `patterns`. */
export function redactDiffs(
  diffs: readonly PathDiff[],
  patterns: readonly string[],
  salt: string,
): PathDiff[] {
  if (patterns.length === 0) return [...diffs];
  return diffs.map((diff) =>
    isIgnored(diff.path, patterns)
      ? {
          path: diff.path,
          control: keyedHash(diff.control, salt),
          candidate: keyedHash(diff.candidate, salt),
        }
      : diff,
  );
}
