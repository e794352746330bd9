/**
 * A rate as a percentage with at most three significant digits: 0.001 is `0.1%`,
 * 0.125 is `12.5%`, 1/3 is `33.3%`, 0 is `0%`.
 */
export function formatPercent(rate: number): string {
  if (!Number.isFinite(rate)) return '-';
  return `${Number((rate * 100).toPrecision(3))}%`;
}
