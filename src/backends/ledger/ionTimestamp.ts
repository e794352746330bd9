import { pushInt, pushVarInt, pushVarUInt } from './ionBinaryFields.ts';

/** How far down an Ion timestamp goes. */
export type IonTimestampPrecision = 'year' | 'month' | 'day' | 'minute' | 'second';

/**
 * An Ion timestamp as its text reads: local fields down to its precision (the
 * others are ignored) and the offset from UTC.
 */
export interface IonTimestampValue {
  precision: IonTimestampPrecision;
  /**
   * Minutes east of UTC, or null for the unknown offset (`-00:00`), the only one a
   * timestamp coarser than a minute may have.
   */
  offset: number | null;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The digits after the seconds' point, '' for none: '120' (.120) is not '12' (.12). */
  fraction: string;
}

const RANKS: Record<IonTimestampPrecision, number> = { year: 0, month: 1, day: 2, minute: 3, second: 4 };

/** The Ion timestamp, at millisecond precision in UTC, of an ISO-8601 instant (what QLDB writes as `txTime`). */
export function timestampOfInstant(instant: string): IonTimestampValue {
  const time = new Date(instant);
  if (Number.isNaN(time.getTime())) throw new RangeError(`not an instant: ${instant}`);
  return {
    precision: 'second',
    offset: 0,
    year: time.getUTCFullYear(),
    month: time.getUTCMonth() + 1,
    day: time.getUTCDate(),
    hour: time.getUTCHours(),
    minute: time.getUTCMinutes(),
    second: time.getUTCSeconds(),
    fraction: String(time.getUTCMilliseconds()).padStart(3, '0'),
  };
}

function fractionCoefficient(digits: string): number | bigint {
  return digits.length <= 15 ? Number(digits) : BigInt(digits);
}

// Binary timestamps carry their fields in UTC; the offset only says how to show them.
function utcFields(value: IonTimestampValue) {
  if (value.offset === null || value.offset === 0) return value;
  const time = new Date(0);
  time.setUTCFullYear(value.year, value.month - 1, value.day);
  time.setUTCHours(value.hour, value.minute - value.offset, 0, 0);
  return {
    year: time.getUTCFullYear(),
    month: time.getUTCMonth() + 1,
    day: time.getUTCDate(),
    hour: time.getUTCHours(),
    minute: time.getUTCMinutes(),
  };
}

/**
 * The Ion binary representation of a timestamp (without type descriptor and length):
 * offset, then the UTC fields down to the precision, then the fraction of a second
 * as a decimal exponent and, unless zero, its coefficient.
 */
export function timestampRepresentation(value: IonTimestampValue): number[] {
  const rank = RANKS[value.precision];
  if (rank < RANKS.minute && value.offset !== null) {
    throw new RangeError(`an Ion timestamp of ${value.precision} precision has the unknown offset only`);
  }
  if (!/^[0-9]*$/.test(value.fraction)) throw new RangeError(`not fraction digits: ${value.fraction}`);
  const utc = utcFields(value);
  const bytes: number[] = [];
  pushVarInt(bytes, value.offset ?? -0);
  pushVarUInt(bytes, utc.year);
  if (rank >= RANKS.month) pushVarUInt(bytes, utc.month);
  if (rank >= RANKS.day) pushVarUInt(bytes, utc.day);
  if (rank >= RANKS.minute) {
    pushVarUInt(bytes, utc.hour);
    pushVarUInt(bytes, utc.minute);
  }
  if (rank >= RANKS.second) {
    pushVarUInt(bytes, value.second);
    if (value.fraction !== '') {
      pushVarInt(bytes, -value.fraction.length);
      if (/[1-9]/.test(value.fraction)) pushInt(bytes, fractionCoefficient(value.fraction), false);
    }
  }
  return bytes;
}
