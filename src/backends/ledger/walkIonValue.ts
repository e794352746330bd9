import * as ion from 'ion-js';

/** Hears the parts of one Ion value, in order, as {@link walkIonValue} reads them. */
export interface IonVisitor {
  /**
   * A scalar or a null (a null container too), with `reader` on it for its value and
   * annotations; `fieldName` is its name in the enclosing struct, else null.
   */
  scalar(reader: ion.Reader, type: ion.IonType, fieldName: string | null): void;
  /** A list, sexp or struct opens; its values follow, then {@link stepOut}. */
  stepIn(reader: ion.Reader, type: ion.IonType, fieldName: string | null): void;
  /** The innermost open container closes. */
  stepOut(): void;
}

/**
 * Reads the single top-level value of `bytes` (Ion binary or Ion text) and tells
 * `visitor` its parts, depth first, with a loop rather than recursion, so no
 * nesting can overflow the stack. Throws a TypeError when `bytes` hold no value or
 * more than one, and ion-js's error when they are not Ion.
 */
export function walkIonValue(bytes: Uint8Array, visitor: IonVisitor): void {
  const reader = ion.makeReader(bytes);
  let type = reader.next();
  if (type === null) throw new TypeError('the Ion holds no value');
  // Whether each open container is a struct, innermost last.
  const open: boolean[] = [];
  for (;;) {
    if (type === null) {
      reader.stepOut();
      visitor.stepOut();
      open.pop();
      if (open.length === 0) break;
    } else {
      const fieldName = open.at(-1) === true ? reader.fieldName() : null;
      if (type.isContainer && !reader.isNull()) {
        visitor.stepIn(reader, type, fieldName);
        reader.stepIn();
        open.push(type === ion.IonTypes.STRUCT);
      } else {
        visitor.scalar(reader, type, fieldName);
        if (open.length === 0) break;
      }
    }
    type = reader.next();
  }
  if (reader.next() !== null) throw new TypeError('the Ion holds more than one top-level value');
}

/** The value ion-js read for a scalar that is not null (it answers null only for a null). */
export function valueRead<T>(value: T | null, type: ion.IonType): T {
  if (value === null) throw new TypeError(`ion-js read no value for a ${type.name}`);
  return value;
}
