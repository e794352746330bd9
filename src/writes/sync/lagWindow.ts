/** The lags of the last changes applied, for percentiles. */
export interface LagWindow {
  add(seconds: number): void;
  /** p50 and p99 over the window, or null when it is empty. */
  summary(): { p50: number; p99: number; samples: number } | null;
}

/** A ring of the last `size` lags. */
export function createLagWindow(size: number): LagWindow {
  const values: number[] = [];
  let next = 0;
  return {
    add(seconds) {
      if (values.length < size) values.push(seconds);
      else values[next] = seconds;
      next = (next + 1) % size;
    },
    summary() {
      if (values.length === 0) return null;
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
    },
  };
}
