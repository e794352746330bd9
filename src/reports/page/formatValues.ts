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

/** An ISO instant in the browser's locale and time zone; text that is no instant as it is. */
export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
