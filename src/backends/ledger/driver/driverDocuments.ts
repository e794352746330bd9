import * as ion from 'ion-js';
import { COMMITMENTS, type CommitmentDocument } from '../commitmentDocument.ts';
import { ionToJson } from '../ionToJson.ts';
import type { BlockAddress, LedgerRevision } from '../ledgerTypes.ts';

/** A commitment as a statement of the driver adapter read it: its ledger document id and its data. */
export interface DriverDocument {
  /** The ledger's id of the document: the commitment id when the gateway wrote it in process, QLDB's own when it was inserted through a session. */
  documentId: string;
  data: CommitmentDocument;
}

/** The statement that reads one commitment by its id, with its document id (the index on `id` answers it). */
export const COMMITMENT_BY_ID = `SELECT c AS data, d AS documentId FROM ${COMMITMENTS} AS c BY d WHERE c.id = ?`;

function field(value: ion.dom.Value, name: string): ion.dom.Value {
  const found = value.get(name);
  if (found === null) throw new TypeError(`the ledger answered a value without ${name}`);
  return found;
}

function text(value: ion.dom.Value, name: string): string {
  const found = field(value, name).stringValue();
  if (found === null) throw new TypeError(`the ledger answered a ${name} that is not a string`);
  return found;
}

function int(value: ion.dom.Value, name: string): number {
  const found = field(value, name).numberValue();
  if (found === null) throw new TypeError(`the ledger answered a ${name} that is not a number`);
  return found;
}

const NOT_PLAIN = Symbol('not plain JSON');

// The JSON of a value that holds only what JSON holds (null, booleans, safe integers,
// strings, lists, structs with distinct field names, no annotations), walked directly;
// NOT_PLAIN for anything else. figway's commitment documents are such values.
function plainJson(value: ion.dom.Value): unknown {
  if (value.getAnnotations().length > 0) return NOT_PLAIN;
  const type = value.getType();
  if (value.isNull()) return type === ion.IonTypes.NULL ? null : NOT_PLAIN;
  switch (type) {
    case ion.IonTypes.STRING:
      return value.stringValue();
    case ion.IonTypes.BOOL:
      return value.booleanValue();
    case ion.IonTypes.INT: {
      const number = value.numberValue();
      return number !== null && Number.isSafeInteger(number) ? number : NOT_PLAIN;
    }
    case ion.IonTypes.LIST: {
      const list: unknown[] = [];
      for (const element of value.elements()) {
        const json = plainJson(element);
        if (json === NOT_PLAIN) return NOT_PLAIN;
        list.push(json);
      }
      return list;
    }
    case ion.IonTypes.STRUCT: {
      const struct: Record<string, unknown> = {};
      for (const [name, field] of value.fields()) {
        const json = plainJson(field);
        if (json === NOT_PLAIN || Object.hasOwn(struct, name)) return NOT_PLAIN;
        struct[name] = json;
      }
      return struct;
    }
    default:
      return NOT_PLAIN;
  }
}

/**
 * An Ion value as the ledger's JSON down-conversion gives it (ionToJson), as the
 * in-process adapter reads it. A value of JSON's types is walked directly (ion-js's
 * binary writer takes about 1.5 ms for a commitment, the walk some 30 µs); any other
 * goes through ionToJson.
 */
export function jsonOf(value: ion.dom.Value): unknown {
  const json = plainJson(value);
  return json === NOT_PLAIN ? ionToJson(ion.dumpBinary(value)) : json;
}

/** A block address as QLDB prints it, `{strandId, sequenceNo}`. */
export function blockAddressOf(value: ion.dom.Value): BlockAddress {
  return { strandId: text(value, 'strandId'), sequenceNo: int(value, 'sequenceNo') };
}

/** A row of {@link COMMITMENT_BY_ID}. */
export function driverDocumentOf(row: ion.dom.Value): DriverDocument {
  return { documentId: text(row, 'documentId'), data: jsonOf(field(row, 'data')) as CommitmentDocument };
}

/**
 * A revision as `SELECT * FROM history(commitments)` (or `_ql_committed_commitments`, or
 * GetRevision) shows it, as the ledger's revision: its data as JSON, and as the Ion the
 * ledger answered (`ion`), which hashes as the ledger hashed it; a deletion has no data.
 */
export function revisionOf(row: ion.dom.Value): LedgerRevision<CommitmentDocument> {
  const metadata = field(row, 'metadata');
  const data = row.get('data');
  const txTime = field(metadata, 'txTime').dateValue();
  if (txTime === null) throw new TypeError('the ledger answered a txTime that is not a timestamp');
  const ionData = data === null ? null : ion.dumpBinary(data);
  return {
    tableName: COMMITMENTS,
    blockAddress: blockAddressOf(field(row, 'blockAddress')),
    hash: new Uint8Array(field(row, 'hash').uInt8ArrayValue() ?? []),
    data: (ionData === null ? null : ionToJson(ionData)) as CommitmentDocument,
    ion: ionData,
    deleted: data === null,
    metadata: {
      id: text(metadata, 'id'),
      version: int(metadata, 'version'),
      txTime: txTime.toISOString(),
      txId: text(metadata, 'txId'),
    },
  };
}
