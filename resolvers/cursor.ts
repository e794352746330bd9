import type { CommitmentCursor, CommitmentRecord } from '../src/backends/connectStore.ts';
import { isUuid } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';

/** The opaque cursor of a commitment in a page: its (createdAt, id), base64url-encoded. */
export function encodeCursor(commitment: CommitmentRecord): string {
  return Buffer.from(JSON.stringify([commitment.createdAt, commitment.id])).toString('base64url');
}

// encodeCursor writes Date#toISOString(): only that exact form goes to the database.
// Date.parse alone accepts "1" or "2026-02-30", which PostgreSQL then rejects, and a
// rejected value would surface as a backend failure instead of the caller's mistake.
function isCanonicalInstant(text: string): boolean {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(text)) return false;
  const instant = new Date(text);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === text;
}

/** Reads a cursor made by {@link encodeCursor}; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string): CommitmentCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      if (typeof createdAt === 'string' && typeof id === 'string' && isUuid(id)) {
        if (isCanonicalInstant(createdAt)) return { createdAt, id };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new FigwayError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor this API returned.', {
    field: 'after',
  });
}
