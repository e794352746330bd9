import type { CommitmentCursor, CommitmentRecord } from '../src/backends/connectStore.ts';
import { isUuid } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';

/** The opaque cursor of a commitment in a page: its (createdAt, id), base64url-encoded. */
export function encodeCursor(commitment: CommitmentRecord): string {
  return Buffer.from(JSON.stringify([commitment.createdAt, commitment.id])).toString('base64url');
}

/** Reads a cursor made by {@link encodeCursor}; anything else is BAD_USER_INPUT. */
export function decodeCursor(cursor: string): CommitmentCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      if (typeof createdAt === 'string' && typeof id === 'string' && isUuid(id)) {
        if (!Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new FigwayError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor this API returned.', {
    field: 'after',
  });
}
