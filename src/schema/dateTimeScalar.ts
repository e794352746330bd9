import { Kind, type ValueNode } from 'graphql';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Where the canonical form `YYYY-MM-DDTHH:MM:SS.mmmZ` has its separators.
const SEPARATORS: ReadonlyArray<[number, string]> = [
  [4, '-'],
  [7, '-'],
  [10, 'T'],
  [13, ':'],
  [16, ':'],
  [19, '.'],
  [23, 'Z'],
];

// The number written in `value` from `start` to `end`, or -1 where a character is no digit.
function digits(value: string, start: number, end: number): number {
  let number = 0;
  for (let index = start; index < end; index++) {
    const digit = value.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

// True when `value` is an instant that toISOString would give back unchanged: the
// canonical form, with a real calendar date and time of day (no 24:00, no 30 February).
// Reading the fields costs a fraction of parsing and formatting the string.
function isCanonical(value: string): boolean {
  if (value.length !== 24) return false;
  for (const [at, separator] of SEPARATORS) if (value[at] !== separator) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  const hour = digits(value, 11, 13);
  const minute = digits(value, 14, 16);
  const second = digits(value, 17, 19);
  if (year < 0 || digits(value, 20, 23) < 0) return false;
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

function toInstant(value: unknown): string {
  if (typeof value === 'string' && isCanonical(value)) return value;
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}: expected an ISO-8601 instant.`);
}

/**
 * The DateTime scalar's behaviour, in the public schema and the target contracts alike:
 * ISO-8601 instants, always serialized in UTC with milliseconds (the form the stores
 * write and compare). Given as graphql-tools' `__serialize` hooks rather than a
 * GraphQLScalarType, because a scalar type object replaces the one built from the SDL,
 * description included: the served schema lost the description that
 * `schema/scalars.graphql` and the published versions give it.
 */
export const DateTime = {
  __serialize: toInstant,
  __parseValue: (value: unknown): string => {
    if (typeof value !== 'string') throw new TypeError('DateTime must be a string.');
    return toInstant(value);
  },
  __parseLiteral: (ast: ValueNode): string => {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.');
    return toInstant(ast.value);
  },
};
