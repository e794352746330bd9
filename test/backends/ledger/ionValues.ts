import * as ion from 'ion-js';
import type { IonHashType, IonHashWriter } from '../../../src/backends/ledger/ionHashWriter.ts';
import type { IonTimestampValue } from '../../../src/backends/ledger/ionTimestamp.ts';
import { draws } from './ionHashReference.ts';

/**
 * An Ion value of any type, possibly annotated, written the same way to the ledger's
 * hasher and to ion-js. A float with `bits: 32` is written to ion-js as a 32-bit float.
 */
export type IonModel = (
  | { type: 'null'; of: IonHashType }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number; bits?: 32 }
  | { type: 'decimal'; magnitude: bigint; exponent: number; negative: boolean }
  | { type: 'timestamp'; value: IonTimestampValue }
  | { type: 'string' | 'symbol'; value: string }
  | { type: 'blob' | 'clob'; value: Uint8Array }
  | { type: 'list' | 'sexp'; items: IonModel[] }
  | { type: 'struct'; fields: Array<[string, IonModel]> }
) & { annotations?: string[] };

const ION_TYPES: Record<IonHashType, ion.IonType> = {
  null: ion.IonTypes.NULL,
  bool: ion.IonTypes.BOOL,
  int: ion.IonTypes.INT,
  float: ion.IonTypes.FLOAT,
  decimal: ion.IonTypes.DECIMAL,
  timestamp: ion.IonTypes.TIMESTAMP,
  symbol: ion.IonTypes.SYMBOL,
  string: ion.IonTypes.STRING,
  clob: ion.IonTypes.CLOB,
  blob: ion.IonTypes.BLOB,
  list: ion.IonTypes.LIST,
  sexp: ion.IonTypes.SEXP,
  struct: ion.IonTypes.STRUCT,
};

function ionTimestamp(value: IonTimestampValue): ion.Timestamp {
  const { year, month, day, hour, minute, second, fraction } = value;
  const offset = value.offset ?? -0;
  switch (value.precision) {
    case 'year':
      return new ion.Timestamp(offset, year);
    case 'month':
      return new ion.Timestamp(offset, year, month);
    case 'day':
      return new ion.Timestamp(offset, year, month, day);
    case 'minute':
      return new ion.Timestamp(offset, year, month, day, hour, minute);
    case 'second': {
      const seconds = fraction === '' ? second : ion.Decimal.parse(`${second}.${fraction}`);
      return new ion.Timestamp(offset, year, month, day, hour, minute, seconds);
    }
  }
}

/** Writes `model` with ion-js writer calls (to ion-hash-js's hash writer, or an Ion writer). */
export function writeReference(writer: ion.Writer, model: IonModel): void {
  if (model.annotations !== undefined) writer.setAnnotations(model.annotations);
  switch (model.type) {
    case 'null':
      writer.writeNull(ION_TYPES[model.of]);
      break;
    case 'bool':
      writer.writeBoolean(model.value);
      break;
    case 'int':
      writer.writeInt(model.value);
      break;
    case 'float':
      if (model.bits === 32) writer.writeFloat32(model.value);
      else writer.writeFloat64(model.value);
      break;
    case 'decimal': {
      const coefficient = model.negative ? -model.magnitude : model.magnitude;
      writer.writeDecimal(new ion.Decimal(coefficient, model.exponent, model.negative));
      break;
    }
    case 'timestamp':
      writer.writeTimestamp(ionTimestamp(model.value));
      break;
    case 'string':
      writer.writeString(model.value);
      break;
    case 'symbol':
      writer.writeSymbol(model.value);
      break;
    case 'blob':
      writer.writeBlob(model.value);
      break;
    case 'clob':
      writer.writeClob(model.value);
      break;
    case 'list':
    case 'sexp':
      writer.stepIn(ION_TYPES[model.type]);
      for (const item of model.items) writeReference(writer, item);
      writer.stepOut();
      break;
    case 'struct':
      writer.stepIn(ion.IonTypes.STRUCT);
      for (const [name, field] of model.fields) {
        writer.writeFieldName(name);
        writeReference(writer, field);
      }
      writer.stepOut();
      break;
  }
}

/** Writes `model` to the ledger's own hasher. */
export function writeOurs(writer: IonHashWriter, model: IonModel): void {
  if (model.annotations !== undefined) writer.setAnnotations(model.annotations);
  switch (model.type) {
    case 'null':
      writer.writeNull(model.of);
      break;
    case 'bool':
      writer.writeBool(model.value);
      break;
    case 'int':
      writer.writeInt(model.value);
      break;
    case 'float':
      writer.writeFloat(model.value);
      break;
    case 'decimal':
      writer.writeDecimal(model.magnitude, model.exponent, model.negative);
      break;
    case 'timestamp':
      writer.writeTimestamp(model.value);
      break;
    case 'string':
      writer.writeString(model.value);
      break;
    case 'symbol':
      writer.writeSymbol(model.value);
      break;
    case 'blob':
      writer.writeBlob(model.value);
      break;
    case 'clob':
      writer.writeClob(model.value);
      break;
    case 'list':
    case 'sexp':
      writer.stepIn(model.type);
      for (const item of model.items) writeOurs(writer, item);
      writer.stepOut();
      break;
    case 'struct':
      writer.stepIn('struct');
      for (const [name, field] of model.fields) {
        writer.writeFieldName(name);
        writeOurs(writer, field);
      }
      writer.stepOut();
      break;
  }
}

/** Generates Ion values from a seeded random source. */
export function ionValues(random: () => number) {
  const { integer, pick, text } = draws(random);
  const bigMagnitude = (): bigint =>
    pick([
      () => BigInt(integer(300)),
      () => 2n ** BigInt(8 * (1 + integer(9))) + BigInt(integer(3) - 1),
      () => BigInt(Number.MAX_SAFE_INTEGER) + BigInt(integer(3) - 1),
      () => BigInt(`0x${Array.from({ length: 1 + integer(40) }, () => integer(16).toString(16)).join('')}`),
    ])();
  const float = (): number => {
    const bits = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 8; i++) bits.setUint8(i, integer(256));
    const drawn = bits.getFloat64(0);
    return pick([0, -0, Number.NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, 0.1, -1.5, drawn, drawn]);
  };
  // Every precision and offset ion-js can hold. A fraction of .9995 or more is left
  // out: ion-js 5.2 rounds it into the next second when it computes the UTC minute, so
  // its minute is one too many (a bug this writer does not copy).
  const timestamp = (): IonTimestampValue => {
    const precision = pick(['year', 'month', 'day', 'minute', 'second'] as const);
    const exact = precision === 'minute' || precision === 'second';
    const offset = exact ? pick([null, 0, 0, 60, -60, 330, -480, 1439, -1439, integer(2879) - 1439]) : null;
    const year =
      offset === null || offset === 0
        ? pick([1, 2, 99, 100, 1970, 2024, 9999, 1 + integer(9999)])
        : 2 + integer(9997);
    const fraction = pick([
      '',
      '',
      '0',
      '000',
      '5',
      '120',
      '999',
      '000001',
      '123456789',
      String(integer(9995)).padStart(4, '0'),
    ]);
    return {
      precision,
      offset,
      year,
      month: 1 + integer(12),
      day: 1 + integer(28),
      hour: integer(24),
      minute: integer(60),
      second: integer(60),
      fraction,
    };
  };
  const scalar = (): IonModel =>
    pick<() => IonModel>([
      () => ({ type: 'null', of: pick(Object.keys(ION_TYPES) as IonHashType[]) }),
      () => ({ type: 'bool', value: random() < 0.5 }),
      () => ({ type: 'int', value: random() < 0.5 ? -bigMagnitude() : bigMagnitude() }),
      () => ({ type: 'float', value: float() }),
      () => ({ type: 'float', value: Math.fround(float()), bits: 32 }),
      () => ({
        type: 'decimal',
        magnitude: bigMagnitude(),
        exponent: pick([0, integer(201) - 100, -(2 ** 20), 2 ** 20]),
        negative: random() < 0.5,
      }),
      () => ({ type: 'timestamp', value: timestamp() }),
      () => ({ type: 'string', value: text(12) }),
      () => ({ type: 'symbol', value: text(8) }),
      () => ({
        type: pick(['blob', 'clob'] as const),
        value: Uint8Array.from({ length: integer(20) }, () => pick([0x0b, 0x0c, 0x0e, integer(256)])),
      }),
    ])();
  const container = (depth: number): IonModel => {
    const size = integer(6);
    const items = () => Array.from({ length: size }, () => value(depth - 1));
    const kind = integer(5);
    if (kind < 2) return { type: 'list', items: items() };
    if (kind < 3) return { type: 'sexp', items: items() };
    const names = ['', 'id', 'a', text(5), text(5)];
    // Names repeat: Ion structs may hold a field name more than once.
    return { type: 'struct', fields: Array.from({ length: size }, () => [pick(names), value(depth - 1)]) };
  };
  // One value in six is annotated, with one to three annotations ('' and repeats too).
  const value = (depth: number): IonModel => {
    const model = depth === 0 || random() < 0.4 ? scalar() : container(depth);
    if (random() >= 1 / 6) return model;
    return { ...model, annotations: Array.from({ length: 1 + integer(3) }, () => pick(['', 'a', text(4)])) };
  };
  return { value, timestamp };
}
