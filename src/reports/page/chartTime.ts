import { utcClock, utcDay } from './formatValues.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// The steps ticks are spaced by, as the API's bucket widths (src/reports/fitBuckets.ts).
const STEPS = [1, 2, 5, 10, 15, 30]
  .map((n) => n * SECOND)
  .concat(
    [1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
    [1, 2, 3, 6, 12].map((n) => n * HOUR),
    [DAY, 2 * DAY, 7 * DAY],
  );

/** A tick of the time axis: its instant, its UTC time of day, and its UTC day where that changes. */
export interface TimeTick {
  t: number;
  clock: string;
  /** The day, on the first tick and on each tick whose day differs from the previous one's; else null. */
  day: string | null;
}

/**
 * Ticks from `from` to `to` (epoch ms) at the first step of the API's bucket widths that
 * gives at most `most` ticks (at most 4 for steps of days, each of which is labelled with
 * its wider day), on whole multiples of it (so on UTC minutes, hours, days), labelled in
 * the page's one date format: `15:33` (`15:33:20` for steps under a minute) and
 * `2026-11-29` where the day changes.
 */
export function timeTicks(from: number, to: number, most = 6): TimeTick[] {
  const span = Math.max(to - from, 1);
  const fits = (step: number) => span / step <= (step >= DAY ? Math.min(most, 4) : most);
  const step = STEPS.find(fits) ?? Math.ceil(span / 4 / DAY) * DAY;
  const ticks: TimeTick[] = [];
  let previousDay: string | null = null;
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const day = utcDay(t);
    ticks.push({ t, clock: utcClock(t, step < MINUTE), day: day === previousDay ? null : day });
    previousDay = day;
  }
  return ticks;
}

/** A bucket width in words: `10 seconds`, `1 minute`, `2 hours`, `1 day`. */
export function durationText(ms: number): string {
  const units: Array<[number, string]> = [
    [DAY, 'day'],
    [HOUR, 'hour'],
    [MINUTE, 'minute'],
    [SECOND, 'second'],
  ];
  const [size, name] = units.find(([unit]) => ms >= unit && ms % unit === 0) ?? [1, 'millisecond'];
  const n = ms / size;
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}
