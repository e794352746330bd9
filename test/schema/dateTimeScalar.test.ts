import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../harness/seededRandom.ts';
import { DateTime } from '../../src/schema/dateTimeScalar.ts';

// What serializing did before the canonical fast path: parse, then format in UTC.
function parsedAndFormatted(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError('not an instant');
  return date.toISOString();
}

function outcome(serialize: (value: string) => string, value: string): string {
  try {
    return serialize(value);
  } catch {
    return 'refused';
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('the DateTime scalar', () => {
  it('serializes an instant already in canonical form exactly as parsing and formatting it would', () => {
    const random = seededRandom(20261130);
    const pick = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
    const cases = [
      '2024-02-29T10:00:00.000Z',
      '2026-02-29T10:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-12-31T23:59:59.999Z',
      '2026-02-28T24:00:00.000Z',
      '2026-02-28T23:59:60.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '0050-02-29T00:00:00.000Z',
    ];
    for (let index = 0; index < 20_000; index++) {
      const year = pad(pick(0, 9999), 4);
      const date = `${year}-${pad(pick(0, 13), 2)}-${pad(pick(0, 32), 2)}`;
      const time = `${pad(pick(0, 25), 2)}:${pad(pick(0, 61), 2)}:${pad(pick(0, 61), 2)}.${pad(pick(0, 999), 3)}`;
      cases.push(`${date}T${time}Z`);
    }
    const differing = cases.filter(
      (value) => outcome(DateTime.__serialize, value) !== outcome(parsedAndFormatted, value),
    );
    expect(differing).toEqual([]);
  });

  it('still turns other forms of an instant into the canonical one, and refuses what is none', () => {
    expect(DateTime.__serialize('2026-03-01T12:00:00+02:00')).toBe('2026-03-01T10:00:00.000Z');
    expect(DateTime.__serialize('2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(DateTime.__serialize(new Date(Date.UTC(2026, 2, 1)))).toBe('2026-03-01T00:00:00.000Z');
    expect(() => DateTime.__serialize('yesterday')).toThrow(/DateTime cannot represent "yesterday"/);
  });
});
