import { ErrorCode, FigwayError } from '../errors.ts';

/** Told the number of distinct keys each batch entry point was called with, by field. */
export type BatchObserver = (field: string, keys: number) => void;

/** The most keys one batch entry point (`commitmentsByIds`, ...) answers for in one call. */
export const MAX_BATCH_IDS = 1000;

/**
 * The distinct ids of a batch entry point's `ids` argument, in their first order;
 * more than {@link MAX_BATCH_IDS} is BAD_USER_INPUT naming `field`. Ids that name
 * nothing are not refused: the store leaves them out of the answer.
 */
export function checkedIds(field: string, ids: readonly string[]): string[] {
  const distinct = [...new Set(ids)];
  if (distinct.length > MAX_BATCH_IDS) {
    throw new FigwayError(
      ErrorCode.BAD_USER_INPUT,
      `${field} answers for at most ${MAX_BATCH_IDS} ids in one call; got ${distinct.length}.`,
      { field: 'ids', max: MAX_BATCH_IDS },
    );
  }
  return distinct;
}
