const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The bucket widths {@link fitBuckets} chooses from, smallest first. */
export const BUCKET_WIDTHS_MS: readonly number[] = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** Equal buckets over a span of time: `buckets` of `widthMs` from `from` to `to` (epoch ms). */
export interface FittedBuckets {
  from: number;
  to: number;
  widthMs: number;
  buckets: number;
}

/**
 * The buckets that cover the instants `first` to `last` (epoch ms): the narrowest width of
 * {@link BUCKET_WIDTHS_MS} that needs at most `maxBuckets` buckets, aligned to whole
 * multiples of that width since the epoch (so on UTC minutes, hours and days), from the
 * bucket holding `first` to the end of the one holding `last`. A few minutes of data get
 * buckets of seconds, days of it buckets of hours. Throws a RangeError when `last` is
 * before `first` or `maxBuckets` is not a positive integer.
 */
export function fitBuckets(first: number, last: number, maxBuckets = 60): FittedBuckets {
  if (!(last >= first)) throw new RangeError('last must not be before first');
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1)
    throw new RangeError('maxBuckets must be a positive integer');
  const widest = BUCKET_WIDTHS_MS[BUCKET_WIDTHS_MS.length - 1] ?? DAY;
  const count = (width: number) => Math.floor(last / width) - Math.floor(first / width) + 1;
  const widthMs =
    BUCKET_WIDTHS_MS.find((width) => count(width) <= maxBuckets) ??
    widest * Math.ceil(count(widest) / maxBuckets);
  const from = Math.floor(first / widthMs) * widthMs;
  const to = (Math.floor(last / widthMs) + 1) * widthMs;
  return { from, to, widthMs, buckets: Math.round((to - from) / widthMs) };
}
