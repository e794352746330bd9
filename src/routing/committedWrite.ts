import type { GraphQLResolveInfo, ResponsePath } from 'graphql';
import type { Side } from '../core/stage.ts';
import { ErrorCode, FigwayError } from '../errors.ts';

/** A mutation whose write the authoritative side committed in this request. */
export interface CommittedWrite {
  /** The mutation's unit, e.g. `Mutation.updateCommitmentStatus`. */
  unit: string;
  /** The side that committed it: its payload is read from this side only. */
  side: Side;
}

// The committed writes of each request, by the response key of their root field. A
// request's context lives as long as the request, so the entries go with it.
const committedWrites = new WeakMap<object, Map<string, CommittedWrite>>();

// The response key of the root field `path` lies under, when that root is a mutation.
function mutationKeyOf(info: unknown): string | null {
  const path = (info as Partial<GraphQLResolveInfo> | undefined)?.path;
  if (path === undefined) return null;
  let root: ResponsePath = path;
  while (root.prev !== undefined) root = root.prev;
  return root.typename === 'Mutation' ? String(root.key) : null;
}

/**
 * Records that the mutation resolved at `info` committed `write`: every field of its
 * payload, however deep, is then read from the side that committed it.
 */
export function recordCommittedWrite(context: object, info: unknown, write: CommittedWrite): void {
  const key = mutationKeyOf(info);
  if (key === null) return;
  const writes = committedWrites.get(context) ?? new Map<string, CommittedWrite>();
  writes.set(key, write);
  committedWrites.set(context, writes);
}

/** The committed write whose payload the field at `info` belongs to, or null outside one. */
export function committedWriteAt(context: object, info: unknown): CommittedWrite | null {
  const key = mutationKeyOf(info);
  return key === null ? null : (committedWrites.get(context)?.get(key) ?? null);
}

function codeOf(error: unknown): string {
  return error instanceof FigwayError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * An error raised after `write` committed, as the client must see it: WRITE_COMMITTED,
 * saying the write was saved and that re-reading is safe, with the failure's own code
 * in `extensions.cause` and its details kept out of the message (they stay on `cause`).
 */
export function afterCommitError(write: CommittedWrite, error: unknown): FigwayError {
  if (error instanceof FigwayError && error.code === ErrorCode.WRITE_COMMITTED) return error;
  const cause = codeOf(error);
  return new FigwayError(
    ErrorCode.WRITE_COMMITTED,
    `Your change was saved (${write.unit}), but part of the answer could not be read (${cause}): ` +
      're-read the data instead of repeating the change.',
    { committed: true, unit: write.unit, backend: write.side, cause },
    error,
  );
}

/**
 * Runs `read`, a field of a mutation's payload, turning any failure into
 * {@link afterCommitError} when the field lies in a committed write's payload.
 */
export async function readAfterCommit<T>(context: object, info: unknown, read: () => T): Promise<Awaited<T>> {
  try {
    return await read();
  } catch (error) {
    const write = committedWriteAt(context, info);
    throw write === null ? error : afterCommitError(write, error);
  }
}
