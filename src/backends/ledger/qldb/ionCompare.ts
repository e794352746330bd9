import * as ion from 'ion-js';
import { type IonTree, isStruct, MISSING } from './ionTree.ts';

type Kind =
  | 'missing'
  | 'null'
  | 'bool'
  | 'number'
  | 'text'
  | 'timestamp'
  | 'lob'
  | 'list'
  | 'struct'
  | 'other';

const NUMBERS = new Set<ion.IonType>([ion.IonTypes.INT, ion.IonTypes.DECIMAL, ion.IonTypes.FLOAT]);
const TEXTS = new Set<ion.IonType>([ion.IonTypes.STRING, ion.IonTypes.SYMBOL]);
const LOBS = new Set<ion.IonType>([ion.IonTypes.BLOB, ion.IonTypes.CLOB]);

function kindOf(value: IonTree): Kind {
  if (value === MISSING) return 'missing';
  if (Array.isArray(value)) return 'list';
  if (isStruct(value)) return 'struct';
  if (value.isNull()) return 'null';
  const type = value.getType();
  if (type === ion.IonTypes.BOOL) return 'bool';
  if (NUMBERS.has(type)) return 'number';
  if (TEXTS.has(type)) return 'text';
  if (type === ion.IonTypes.TIMESTAMP) return 'timestamp';
  if (LOBS.has(type)) return 'lob';
  return 'other';
}

/** True for NULL and MISSING, the values a comparison treats as unknown. */
export function isAbsent(value: IonTree): boolean {
  const kind = kindOf(value);
  return kind === 'null' || kind === 'missing';
}

// An exact number: ints as bigint, decimals as ion-js Decimal, floats as number.
function compareNumbers(left: ion.dom.Value, right: ion.dom.Value): number {
  const decimal = (value: ion.dom.Value) =>
    value.getType() === ion.IonTypes.DECIMAL
      ? (value.decimalValue() as ion.Decimal)
      : value.getType() === ion.IonTypes.INT
        ? ion.Decimal.parse(String(value.bigIntValue()))
        : null;
  const a = decimal(left);
  const b = decimal(right);
  if (a !== null && b !== null) return a.compareTo(b);
  const x = left.numberValue() ?? Number.NaN;
  const y = right.numberValue() ?? Number.NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two values of the same kind (numbers across int, decimal and float; strings
 * with symbols; timestamps by instant); null when they cannot be ordered.
 */
export function compareValues(left: IonTree, right: IonTree): number | null {
  const kind = kindOf(left);
  if (kind !== kindOf(right) || left === MISSING || right === MISSING) return null;
  if (Array.isArray(left) || Array.isArray(right) || isStruct(left) || isStruct(right)) return null;
  switch (kind) {
    case 'number':
      return compareNumbers(left, right);
    case 'text':
      return compareText(left.stringValue() ?? '', right.stringValue() ?? '');
    case 'timestamp':
      return (left.timestampValue() as ion.Timestamp).compareTo(right.timestampValue() as ion.Timestamp);
    case 'bool':
      return Number(left.booleanValue()) - Number(right.booleanValue());
    default:
      return null;
  }
}

/** PartiQL equality: numbers by value, structs and lists deeply, timestamps by instant. */
export function valuesEqual(left: IonTree, right: IonTree): boolean {
  const kind = kindOf(left);
  if (kind !== kindOf(right)) return false;
  if (Array.isArray(left) && Array.isArray(right))
    return (
      left.length === right.length && left.every((item, index) => valuesEqual(item, right[index] as IonTree))
    );
  if (isStruct(left) && isStruct(right)) {
    const names = Object.keys(left);
    return (
      names.length === Object.keys(right).length &&
      names.every((name) => name in right && valuesEqual(left[name] as IonTree, right[name] as IonTree))
    );
  }
  if (kind === 'lob' || kind === 'other') {
    return (
      ion.dumpBinary(left as ion.dom.Value).toString() === ion.dumpBinary(right as ion.dom.Value).toString()
    );
  }
  if (kind === 'null' || kind === 'missing') return true;
  return compareValues(left, right) === 0;
}
