import { IonHashWriter } from './ionHashWriter.ts';
import type { Hash } from './ledgerHash.ts';

// The ledger hashes a document as the Ion text reader reads its JSON text (JSON is
// Ion text), without making that text: an object is a struct, an array a list, a
// number an int when its JSON text is digits, a decimal when it has a point, a float
// when it has an exponent. What reaches the hash is what JSON.stringify would write
// (toJSON, undefined fields left out, undefined in arrays and non-finite numbers as
// null), so a document hashes the same before it is stored and after it is read back.

// Reused while idle: hashing is synchronous, so one writer serves every call except
// one made from inside a toJSON while it works.
const shared = new IonHashWriter();
let sharedBusy = false;

// A number as the Ion text reader reads the JSON text of it: digits only are an int
// (a bigint beyond 2^53), a point makes a decimal (-123.45: coefficient -12345,
// exponent -2), an exponent a float. JSON writes a non-finite number as null.
function writeNumber(writer: IonHashWriter, value: number): void {
  if (!Number.isFinite(value)) {
    writer.writeNull();
    return;
  }
  if (Number.isSafeInteger(value)) {
    writer.writeInt(value);
    return;
  }
  const text = String(value);
  const point = text.indexOf('.');
  if (text.includes('e')) writer.writeFloat(value);
  else if (point < 0) writer.writeInt(BigInt(text));
  else {
    const negative = text.startsWith('-');
    const digits = text.slice(negative ? 1 : 0, point) + text.slice(point + 1);
    const coefficient = digits.length <= 15 ? Number(digits) : BigInt(digits);
    writer.writeDecimal(coefficient, point + 1 - text.length, negative);
  }
}

// What JSON.stringify writes for `value`, the value of `key` in its holder.
function jsonValueOf(value: unknown, key: string): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, key);
  }
  if (value instanceof Number) return Number(value);
  if (value instanceof String) return String(value);
  if (value instanceof Boolean) return value.valueOf();
  return value;
}

function isLeftOut(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

// Writes a value jsonValueOf gave, that JSON does not leave out.
function writeJson(writer: IonHashWriter, value: unknown, ancestors: object[]): void {
  if (typeof value === 'string') writer.writeString(value);
  else if (typeof value === 'number') writeNumber(writer, value);
  else if (typeof value === 'boolean') writer.writeBool(value);
  else if (value === null) writer.writeNull();
  else if (typeof value === 'object') writeContainer(writer, value, ancestors);
  else
    throw new TypeError(`a ledger document cannot hold a ${typeof value}: JSON has no representation for it`);
}

function writeContainer(writer: IonHashWriter, value: object, ancestors: object[]): void {
  if (ancestors.includes(value)) throw new TypeError('a ledger document cannot be circular');
  ancestors.push(value);
  if (Array.isArray(value)) {
    writer.stepIn('list');
    for (let index = 0; index < value.length; index++) {
      const item = jsonValueOf(value[index], String(index));
      if (isLeftOut(item)) writer.writeNull();
      else writeJson(writer, item, ancestors);
    }
  } else {
    writer.stepIn('struct');
    const fields = value as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      const field = jsonValueOf(fields[name], name);
      if (isLeftOut(field)) continue;
      writer.writeFieldName(name);
      writeJson(writer, field, ancestors);
    }
  }
  writer.stepOut();
  ancestors.pop();
}

/**
 * The Ion hash (SHA-256) of a JSON value: the hash ion-hash-js gives the Ion value
 * that the Ion text reader reads from `JSON.stringify(value)`. Throws a TypeError
 * where JSON.stringify would (BigInt, circular), and for a value it leaves out.
 */
export function ionHashJson(value: unknown): Hash {
  const writer = sharedBusy ? new IonHashWriter() : shared;
  const owner = writer === shared;
  if (owner) sharedBusy = true;
  try {
    const json = jsonValueOf(value, '');
    if (isLeftOut(json)) throw new TypeError(`not a JSON value: ${typeof json}`);
    writeJson(writer, json, []);
    return writer.digest();
  } finally {
    writer.reset();
    if (owner) sharedBusy = false;
  }
}
