import * as ion from 'ion-js';
import type { Literal } from './partiqlAst.ts';

/**
 * A document value as the PartiQL evaluator works on it: structs are plain objects
 * (field order kept, so SET and REMOVE edit them in place), lists are arrays, and
 * every other value, a scalar, a typed null or a sexp, stays an ion-js value with
 * its Ion type. `MISSING` is PartiQL's absent value, never stored.
 */
export type IonTree = IonStruct | IonTree[] | ion.dom.Value | typeof MISSING;

/** A struct: field name to value, without a prototype (a field may be named `__proto__`). */
export type IonStruct = { [field: string]: IonTree };

/** PartiQL's MISSING: what a path that leads nowhere evaluates to. */
export const MISSING: unique symbol = Symbol('MISSING');

/** An empty struct. */
export function newStruct(): IonStruct {
  return Object.create(null) as IonStruct;
}

/** True for a struct of the tree (not a list, a scalar or MISSING). */
export function isStruct(value: IonTree): value is IonStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ion.dom.Value)
  );
}

/** The tree of an ion-js value: non-null structs and lists become objects and arrays. */
export function treeOf(value: ion.dom.Value): IonTree {
  if (value.isNull() || value.getAnnotations().length > 0) return value;
  const type = value.getType();
  if (type === ion.IonTypes.STRUCT) {
    const struct = newStruct();
    for (const [name, field] of value.fields()) struct[name] = treeOf(field);
    return struct;
  }
  if (type === ion.IonTypes.LIST) return value.elements().map(treeOf);
  return value;
}

/** Reads one Ion value (binary or text); throws on bytes that are not exactly one value. */
export function loadIon(bytes: Uint8Array | string): IonTree {
  const values = ion.loadAll(bytes);
  if (values.length !== 1) throw new Error(`expected one Ion value, found ${values.length}`);
  return treeOf(values[0] as ion.dom.Value);
}

function writeTree(writer: ion.Writer, value: IonTree): void {
  if (value === MISSING) throw new Error('MISSING cannot be written');
  if (Array.isArray(value)) {
    writer.stepIn(ion.IonTypes.LIST);
    for (const item of value) if (item !== MISSING) writeTree(writer, item);
    writer.stepOut();
  } else if (isStruct(value)) {
    writer.stepIn(ion.IonTypes.STRUCT);
    for (const [name, field] of Object.entries(value)) {
      if (field === MISSING) continue;
      writer.writeFieldName(name);
      writeTree(writer, field);
    }
    writer.stepOut();
  } else {
    value.writeTo(writer);
  }
}

/** The Ion binary of a tree. */
export function ionBinaryOf(value: IonTree): Uint8Array {
  const writer = ion.makeBinaryWriter();
  writeTree(writer, value);
  writer.close();
  return writer.getBytes();
}

/** The Ion text of a tree, for messages and logs. */
export function ionTextOf(value: IonTree): string {
  if (value === MISSING) return 'MISSING';
  const writer = ion.makeTextWriter();
  writeTree(writer, value);
  writer.close();
  return ion.decodeUtf8(writer.getBytes());
}

/**
 * The tree of a JSON document, as figway's own documents hold them, read as the Ion
 * text reader reads JSON text (1.5 is a decimal), which is how the ledger hashes them.
 */
export function treeOfJson(value: unknown): IonTree {
  return loadIon(JSON.stringify(value) ?? 'null');
}

/** The value of a literal written in a statement. */
export function literalValue(literal: Literal): IonTree {
  switch (literal.type) {
    case 'missing':
      return MISSING;
    case 'null':
      return loadIon('null');
    case 'bool':
      return loadIon(String(literal.value));
    case 'int':
    case 'decimal':
    case 'float':
      return loadIon(literal.text);
    case 'string':
      return loadIon(JSON.stringify(literal.value));
    case 'ion':
      return loadIon(literal.text);
  }
}
