import * as ion from 'ion-js';
import { type IonHashContainer, type IonHashType, IonHashWriter } from './ionHashWriter.ts';
import { timestampOfText } from './ionTimestamp.ts';
import type { Hash } from './ledgerHash.ts';
import { type IonVisitor, valueRead, walkIonValue } from './walkIonValue.ts';

// An Ion value's hash, read from its bytes: the reader's values are written to the
// ledger's own IonHashWriter, as ion-hash-js's hash reader writes them to its hasher
// (each scalar as ion-js reads it, re-encoded: an int as a bigint, a float at 64 bits,
// a decimal with its sign, exponent and coefficient, a timestamp at its precision and
// offset, a symbol by its text). One exception: ion-js 5.2 rounds a fraction of a
// second of .9995 or more up to a whole second when it computes a timestamp's UTC
// fields, so ion-hash-js hashes such a timestamp at second 59 as a minute later than
// it is; this hashes the timestamp that was written, as the Ion Hash specification
// says (ion-js's binary writer writes that later minute, so its bytes are hashed as
// they read).

const CONTAINER_NAMES = new Map<ion.IonType, IonHashContainer>([
  [ion.IonTypes.LIST, 'list'],
  [ion.IonTypes.SEXP, 'sexp'],
  [ion.IonTypes.STRUCT, 'struct'],
]);

const TYPE_NAMES = new Map<ion.IonType, IonHashType>([
  [ion.IonTypes.NULL, 'null'],
  [ion.IonTypes.BOOL, 'bool'],
  [ion.IonTypes.INT, 'int'],
  [ion.IonTypes.FLOAT, 'float'],
  [ion.IonTypes.DECIMAL, 'decimal'],
  [ion.IonTypes.TIMESTAMP, 'timestamp'],
  [ion.IonTypes.SYMBOL, 'symbol'],
  [ion.IonTypes.STRING, 'string'],
  [ion.IonTypes.CLOB, 'clob'],
  [ion.IonTypes.BLOB, 'blob'],
  ...CONTAINER_NAMES,
]);

function typeName(type: ion.IonType): IonHashType {
  const name = TYPE_NAMES.get(type);
  if (name === undefined) throw new TypeError(`not an Ion type: ${type.name}`);
  return name;
}

function containerName(type: ion.IonType): IonHashContainer {
  const name = CONTAINER_NAMES.get(type);
  if (name === undefined) throw new TypeError(`a ${type.name} is not a container`);
  return name;
}

function writeScalar(writer: IonHashWriter, reader: ion.Reader, type: ion.IonType): void {
  const name = typeName(type);
  if (reader.isNull()) {
    writer.writeNull(name);
    return;
  }
  switch (name) {
    case 'bool':
      writer.writeBool(valueRead(reader.booleanValue(), type));
      break;
    case 'int':
      writer.writeInt(valueRead(reader.bigIntValue(), type));
      break;
    case 'float':
      writer.writeFloat(valueRead(reader.numberValue(), type));
      break;
    case 'decimal': {
      const decimal = valueRead(reader.decimalValue(), type);
      writer.writeDecimal(decimal.getCoefficient(), decimal.getExponent(), decimal.isNegative());
      break;
    }
    case 'timestamp':
      writer.writeTimestamp(timestampOfText(valueRead(reader.timestampValue(), type).toString()));
      break;
    case 'symbol':
      writer.writeSymbol(valueRead(reader.stringValue(), type));
      break;
    case 'string':
      writer.writeString(valueRead(reader.stringValue(), type));
      break;
    case 'clob':
      writer.writeClob(valueRead(reader.uInt8ArrayValue(), type));
      break;
    case 'blob':
      writer.writeBlob(valueRead(reader.uInt8ArrayValue(), type));
      break;
    default:
      throw new TypeError(`a ${type.name} is not a scalar`);
  }
}

function hashingVisitor(writer: IonHashWriter): IonVisitor {
  const begin = (reader: ion.Reader, fieldName: string | null) => {
    if (fieldName !== null) writer.writeFieldName(fieldName);
    const annotations = reader.annotations();
    if (annotations.length > 0) writer.setAnnotations(annotations);
  };
  return {
    scalar(reader, type, fieldName) {
      begin(reader, fieldName);
      writeScalar(writer, reader, type);
    },
    stepIn(reader, type, fieldName) {
      begin(reader, fieldName);
      writer.stepIn(containerName(type));
    },
    stepOut: () => writer.stepOut(),
  };
}

// Reused: hashing is synchronous and calls nothing outside this module.
const shared = new IonHashWriter();

/**
 * The Ion hash (SHA-256) of the single top-level value in `bytes`, Ion binary or Ion
 * text: what ion-hash-js's `makeHashReader(makeReader(bytes), cryptoHasherProvider('sha256'))`
 * gives once it has read the value. Throws when `bytes` are not Ion, or hold no value
 * or more than one.
 */
export function ionHashOfIon(bytes: Uint8Array): Hash {
  try {
    walkIonValue(bytes, hashingVisitor(shared));
    return shared.digest();
  } finally {
    shared.reset();
  }
}

/** The Ion hash (SHA-256) of the Ion string `text`. */
export function ionHashOfString(text: string): Hash {
  try {
    shared.writeString(text);
    return shared.digest();
  } finally {
    shared.reset();
  }
}
