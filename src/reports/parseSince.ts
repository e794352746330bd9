const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What `--since` and `?since=` accept, for usage and error messages. */
export const SINCE_FORMATS =
  'a duration such as 30m, 24h or 7d, or an ISO 8601 time such as 2025-01-31T12:00:00Z';

/**
 * The instant `text` names: a positive whole duration back from `now` (`30m`, `24h`,
 * `7d`), or an ISO 8601 date or time (`2025-01-31`, `2025-01-31T12:00:00Z`). Returns
 * null for anything else, so callers can answer with a usage error.
 */
export function parseSince(text: string, now: Date = new Date()): Date | null {
  const duration = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (duration !== null) {
    const amount = Number(duration[1]);
    const unit = duration[2] as keyof typeof UNIT_MS;
    return amount > 0 ? new Date(now.getTime() - amount * UNIT_MS[unit]) : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()))
    return null;
  const instant = new Date(text.trim());
  return Number.isNaN(instant.getTime()) ? null : instant;
}
