// How the page writes numbers, times and values; a dash stands for "not measured".

/** A rate as a percentage: three decimals below 1%, two otherwise (0.726%, 12.50%). */
export function percent(rate: number | null | undefined): string {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return '–';
  const value = rate * 100;
  return `${value !== 0 && value < 1 ? value.toFixed(3) : value.toFixed(2)}%`;
}

/** Milliseconds, one decimal below 100 ms (11.8 ms, 240 ms). */
export function millis(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return `${value < 100 ? Math.round(value * 10) / 10 : Math.round(value)} ms`;
}

/** A count with thousands separators (1,240). */
export function count(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toLocaleString('en') : '–';
}

/** A value from the API (parsed JSON, so it always serializes) as indented JSON; `undefined` as text. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The UTC day of an instant (epoch ms): `2026-11-29`. */
export function utcDay(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** The UTC time of day of an instant (epoch ms): `15:33`, or `15:33:07` with `seconds`. */
export function utcClock(ms: number, seconds = false): string {
  const date = new Date(ms);
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return seconds ? `${clock}:${pad(date.getUTCSeconds())}` : clock;
}

// Every date on the page is written as `2026-11-29 15:33 UTC` (the chart's axis writes its
// parts, `15:33` and `2026-11-29`), whatever the browser's locale and time zone: the same
// instants as the API's ISO times, the gateway's logs and `figway report`.
/** An ISO instant as `2026-11-29 15:33 UTC` (with `seconds`, `2026-11-29 15:33:07 UTC`); text that is no instant as it is. */
export function when(iso: string, seconds = false): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${utcDay(ms)} ${utcClock(ms, seconds)} UTC`;
}
