import * as ion from 'ion-js';
import { type IonVisitor, valueRead, walkIonValue } from './walkIonValue.ts';

// The JSON down-conversion of an Ion document, stored in `ledger.revisions.data` next
// to the Ion so that JSON queries (jsonb operators, the GIN index) keep working. It
// is a view, never hashed: the revision's hash is of the Ion. Every result survives
// JSON.stringify and a jsonb round trip unchanged (no -0, no NUL, no undefined), so
// the stored data equals a fresh down-conversion of the stored Ion, which is how a
// verifier notices data edited apart from its Ion.

// A decimal's digits and exponent, trailing zeros folded into the exponent: the
// canonical form of its value, to compare a number with it.
function normalized(digits: string, exponent: number): string {
  const trimmed = digits.replace(/^0+/, '');
  if (trimmed === '') return '0';
  const significant = trimmed.replace(/0+$/, '');
  return `${significant}e${exponent + trimmed.length - significant.length}`;
}

// The value of the text JavaScript writes for a finite number ("1.5", "1e+21", "5e-324").
function normalizedNumber(value: number): string {
  const [mantissa = '0', exponent = '0'] = Math.abs(value).toString().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  return normalized(whole + fraction, Number(exponent) - fraction.length);
}

// The decimal as text: plain digits with a point while its exponent is within ±1000,
// else digits and an exponent ("12e5000"), which numeric and Number() both read.
function decimalText(negative: boolean, digits: string, exponent: number): string {
  const sign = negative ? '-' : '';
  if (exponent > 1000 || exponent < -1000) return `${sign}${digits}e${exponent}`;
  if (exponent >= 0) return `${sign}${digits}${'0'.repeat(exponent)}`;
  const padded = digits.padStart(1 - exponent, '0');
  return `${sign}${padded.slice(0, exponent)}.${padded.slice(exponent)}`;
}

/**
 * An int or a decimal: a JSON number when the number's JSON text has exactly the
 * decimal's value (1.50 is 1.5, 0.1 is 0.1), else the decimal as a string
 * ("12345678901234567890.5", "9007199254740993"). Zero and negative zero are 0.
 */
function exactNumber(coefficient: bigint, exponent: number, negative: boolean): number | string {
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString();
  if (digits === '0') return 0;
  const value = Number(`${negative ? '-' : ''}${digits}e${exponent}`);
  if (Number.isFinite(value) && normalizedNumber(value) === normalized(digits, exponent)) return value;
  return decimalText(negative, digits, exponent);
}

/** A float: its number (-0 as 0); nan, +inf and -inf as those strings, JSON having none. */
function floatJson(value: number): number | string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return '+inf';
  if (value === -Infinity) return '-inf';
  return value === 0 ? 0 : value;
}

/**
 * Text: a string and a symbol (its text) alike. jsonb cannot hold U+0000, so it
 * becomes U+FFFD (the Ion keeps it).
 */
function textJson(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value;
}

/**
 * A timestamp: the ISO-8601 text of its precision and offset, as Ion text writes it
 * without Ion's trailing T: "2024", "2024-02", "2024-02-29", "2024-02-29T23:59+05:30",
 * "2024-02-29T23:59:58.120Z" (UTC as Z, the unknown offset as -00:00).
 */
function timestampJson(value: ion.Timestamp): string {
  return value.toString().replace(/T$/, '');
}

/** A blob or a clob: its bytes in base64. */
function bytesJson(value: Uint8Array): string {
  return Buffer.from(value).toString('base64');
}

/** A scalar as JSON. Every null (null.int, null.struct, ...) is null; a bool is a boolean. */
function scalarJson(reader: ion.Reader, type: ion.IonType): unknown {
  if (reader.isNull()) return null;
  switch (type) {
    case ion.IonTypes.BOOL:
      return valueRead(reader.booleanValue(), type);
    case ion.IonTypes.INT: {
      const value = valueRead(reader.bigIntValue(), type);
      return exactNumber(value, 0, value < 0n);
    }
    case ion.IonTypes.FLOAT:
      return floatJson(valueRead(reader.numberValue(), type));
    case ion.IonTypes.DECIMAL: {
      const decimal = valueRead(reader.decimalValue(), type);
      return exactNumber(decimal.getCoefficient(), decimal.getExponent(), decimal.isNegative());
    }
    case ion.IonTypes.TIMESTAMP:
      return timestampJson(valueRead(reader.timestampValue(), type));
    case ion.IonTypes.SYMBOL:
    case ion.IonTypes.STRING:
      return textJson(valueRead(reader.stringValue(), type));
    case ion.IonTypes.CLOB:
    case ion.IonTypes.BLOB:
      return bytesJson(valueRead(reader.uInt8ArrayValue(), type));
    default:
      throw new TypeError(`a ${type.name} is not a scalar`);
  }
}

// A container being built, and the name its value goes under in its parent.
interface Building {
  value: unknown[] | Record<string, unknown>;
  fieldName: string | null;
}

// A field named "__proto__" is an own property, as JSON.parse makes it, not the
// object's prototype; a name given twice keeps its last value, as jsonb does.
function put(parent: Building | undefined, fieldName: string | null, value: unknown): void {
  if (parent === undefined) return;
  if (Array.isArray(parent.value)) parent.value.push(value);
  else {
    Object.defineProperty(parent.value, textJson(fieldName ?? ''), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/**
 * The JSON down-conversion of the single top-level Ion value in `bytes` (Ion binary
 * or text). Annotations are dropped; a list and a sexp are arrays; a struct is an
 * object; the scalars map as the functions above say (ints and decimals as numbers
 * when exact, else strings; timestamps as ISO-8601 strings; blobs and clobs as
 * base64; symbols as strings; every null as null). Throws as {@link walkIonValue}.
 */
export function ionToJson(bytes: Uint8Array): unknown {
  const open: Building[] = [];
  let result: unknown = null;
  const visitor: IonVisitor = {
    scalar(reader, type, fieldName) {
      const value = scalarJson(reader, type);
      if (open.length === 0) result = value;
      else put(open.at(-1), fieldName, value);
    },
    stepIn(_reader, type, fieldName) {
      open.push({ value: type === ion.IonTypes.STRUCT ? {} : [], fieldName });
    },
    stepOut() {
      const closed = open.pop();
      if (closed === undefined) return;
      if (open.length === 0) result = closed.value;
      else put(open.at(-1), closed.fieldName, closed.value);
    },
  };
  walkIonValue(bytes, visitor);
  return result;
}
