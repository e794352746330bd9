import { describe, expect, it } from 'vitest';
import { parseSince } from '../../src/reports/parseSince.ts';

const NOW = new Date('2025-06-01T12:00:00.000Z');

describe('parseSince', () => {
  it('counts minutes, hours and days back from now', () => {
    expect(parseSince('30m', NOW)?.toISOString()).toBe('2025-06-01T11:30:00.000Z');
    expect(parseSince('24h', NOW)?.toISOString()).toBe('2025-05-31T12:00:00.000Z');
    expect(parseSince('7d', NOW)?.toISOString()).toBe('2025-05-25T12:00:00.000Z');
  });

  it('takes ISO 8601 dates and times', () => {
    expect(parseSince('2025-05-30T08:15:00Z', NOW)?.toISOString()).toBe('2025-05-30T08:15:00.000Z');
    expect(parseSince('2025-05-30T08:15:00.250+02:00', NOW)?.toISOString()).toBe('2025-05-30T06:15:00.250Z');
    expect(parseSince('2025-05-30', NOW)?.toISOString()).toBe('2025-05-30T00:00:00.000Z');
  });

  it('returns null for anything else', () => {
    for (const text of ['', '0h', '-1h', '24', 'h', '1w', '1.5h', 'yesterday', '2025-13-45', '12345']) {
      expect(parseSince(text, NOW), text).toBeNull();
    }
  });
});
