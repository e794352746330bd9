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

// An Ion text timestamp as ion-js's Timestamp.toString() writes it: the year, month,
// day, hour and minute, seconds and fraction down to its precision, then its offset
// (Z, -00:00 for unknown, or +hh:mm / -hh:mm) from the minute on; a trailing T below.
const ION_TEXT_TIMESTAMP =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2}))?)?)?T?$/;

function offsetOfText(text: string): number | null {
  if (text === 'Z') return 0;
  if (text === '-00:00') return null;
  const minutes = Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6));
  return text.startsWith('-') ? -minutes : minutes;
}

/**
 * The timestamp an Ion text timestamp denotes, at its precision and offset (ion-js's
 * `Timestamp.toString()` writes one; its local fields are what it was read with).
 */
export function timestampOfText(text: string): IonTimestampValue {
  const match = ION_TEXT_TIMESTAMP.exec(text);
  if (match === null) throw new RangeError(`not an Ion timestamp: ${text}`);
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const precision: IonTimestampPrecision =
    second !== undefined
      ? 'second'
      : minute !== undefined
        ? 'minute'
        : day !== undefined
          ? 'day'
          : month !== undefined
            ? 'month'
            : 'year';
  return {
    precision,
    offset: offset === undefined ? null : offsetOfText(offset),
    year: Number(year),
    month: Number(month ?? 1),
    day: Number(day ?? 1),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    fraction: fraction ?? '',
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
