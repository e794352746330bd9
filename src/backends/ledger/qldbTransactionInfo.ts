import { isDeepStrictEqual } from 'node:util';
import { IonTextHashWriter } from './ionTextHashWriter.ts';
import { ionToJson } from './ionToJson.ts';
import { ionHashOfIon } from './ionValueHash.ts';
import type { Hash } from './ledgerHash.ts';
import type { LedgerRevision, LedgerStatement, LedgerWrite } from './ledgerTypes.ts';

// The transaction info of a format 2 or 3 block, in Amazon QLDB's shape (its GetBlock and
// journal export print it so):
//   {statements: [{statement: "<PartiQL>", startTime: <timestamp>, statementDigest: {{...}}}],
//    documents: {<documentId>: {tableName: "...", tableId: "...", statements: [<index>, ...]}}}
// A write the gateway makes itself runs no PartiQL: its block lists no statements, and
// each document it writes is mapped to its table (whose id is its name) with an empty
// statement list. That is the faithful account, as QLDB lists the statements a
// transaction ran and for each document the ones that wrote it; a made-up statement
// would put in the journal text that no client ran and a digest no client could check.
// Who made a gateway write is recorded where it always was (the mirror's outbox and
// observations), not in the journal.

/** One document of a QLDB-shaped (format 2 or 3) transaction info. */
interface InfoDocument {
  tableName: string;
  tableId: string;
  statements: Set<number>;
}

/** A QLDB-shaped (format 2 or 3) transaction info as stored (Ion text, and its JSON down-conversion) and hashed. */
export interface QldbTransactionInfo {
  ion: Uint8Array;
  json: unknown;
  hash: Hash;
}

// Null when a document id is written in two tables, which the map cannot say.
function documentsOf(
  writes: readonly LedgerWrite[],
  statementCount: number,
): Map<string, InfoDocument> | null {
  const documents = new Map<string, InfoDocument>();
  for (const write of writes) {
    const { documentId, tableName } = write;
    const document = documents.get(documentId) ?? {
      tableName,
      tableId: write.tableId ?? tableName,
      statements: new Set<number>(),
    };
    if (document.tableName !== tableName) {
      if (statementCount === 0) return null;
      throw new TypeError(
        `the ledger transaction writes document ${documentId} in ${document.tableName} and in ${tableName}: QLDB's transaction info, which lists its statements, maps a document id to one table`,
      );
    }
    for (const index of write.statements ?? []) {
      if (!Number.isInteger(index) || index < 0 || index >= statementCount)
        throw new TypeError(
          `the ledger write to ${tableName}/${documentId} names statement ${index} of ${statementCount}`,
        );
      document.statements.add(index);
    }
    documents.set(documentId, document);
  }
  return documents;
}

function writeStatement(writer: IonTextHashWriter, statement: LedgerStatement): void {
  if (Number.isNaN(statement.startTime.getTime()))
    throw new TypeError(`statement ${JSON.stringify(statement.statement)} has no start time`);
  writer.stepIn('struct');
  writer.writeFieldName('statement');
  writer.writeString(statement.statement);
  writer.writeFieldName('startTime');
  writer.writeTimestamp(statement.startTime);
  writer.writeFieldName('statementDigest');
  writer.writeBlob(statement.digest);
  writer.stepOut();
}

function writeDocument(writer: IonTextHashWriter, document: InfoDocument): void {
  writer.stepIn('struct');
  writer.writeFieldName('tableName');
  writer.writeString(document.tableName);
  writer.writeFieldName('tableId');
  writer.writeString(document.tableId);
  writer.writeFieldName('statements');
  writer.stepIn('list');
  for (const index of [...document.statements].sort((a, b) => a - b)) writer.writeInt(index);
  writer.stepOut();
  writer.stepOut();
}

/**
 * The transaction info of a format 3 block for `writes` and the `statements` that made
 * them, as Ion text with its JSON down-conversion and its Ion hash. It holds neither
 * the transaction id nor the commit time (each revision's metadata does), so it is
 * built before the strand is locked. Null when the writes name one document id in two
 * tables, which QLDB's shape cannot describe (the block is then written in format 1).
 * Throws a TypeError when a write names a statement that is not in `statements`, or
 * when statements are given and a document id is written in two tables (format 1 has
 * no place for them).
 */
export function qldbTransactionInfo(
  writes: readonly LedgerWrite[],
  statements: readonly LedgerStatement[],
): QldbTransactionInfo | null {
  const documents = documentsOf(writes, statements.length);
  if (documents === null) return null;
  const writer = new IonTextHashWriter();
  writer.stepIn('struct');
  writer.writeFieldName('statements');
  writer.stepIn('list');
  for (const statement of statements) writeStatement(writer, statement);
  writer.stepOut();
  writer.writeFieldName('documents');
  writer.stepIn('struct');
  for (const [id, document] of documents) {
    writer.writeFieldName(id);
    writeDocument(writer, document);
  }
  writer.stepOut();
  writer.stepOut();
  return { ...writer.finish(), json: jsonOf(documents, statements) };
}

// jsonb holds no U+0000: a string's JSON has U+FFFD instead, as ionToJson gives it.
const jsonText = (text: string) => text.replaceAll('\u0000', '\ufffd');

// The JSON down-conversion of the Ion written above, as ionToJson would read it back
// (every read of the block checks that it does), built directly: reading the Ion back
// costs more than writing it.
function jsonOf(documents: ReadonlyMap<string, InfoDocument>, statements: readonly LedgerStatement[]) {
  return {
    statements: statements.map((statement) => ({
      statement: jsonText(statement.statement),
      startTime: statement.startTime.toISOString(),
      statementDigest: Buffer.from(statement.digest).toString('base64'),
    })),
    documents: Object.fromEntries(
      [...documents].map(([id, document]) => [
        jsonText(id),
        {
          tableName: jsonText(document.tableName),
          tableId: jsonText(document.tableId),
          statements: [...document.statements].sort((a, b) => a - b),
        },
      ]),
    ),
  };
}

/**
 * Reads a stored format 2 or 3 transaction info: its hash, from its Ion, and its JSON
 * down-conversion. Returns what is wrong instead when the Ion cannot be read or the
 * stored JSON (which JSON queries read) is not the Ion's down-conversion.
 */
export function readQldbTransactionInfo(
  bytes: Uint8Array,
  storedJson: unknown,
): { hash: Hash; json: unknown } | { problem: string } {
  let hash: Hash;
  let json: unknown;
  try {
    hash = ionHashOfIon(bytes);
    json = ionToJson(bytes);
  } catch (error) {
    return {
      problem: `its transaction info's Ion cannot be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (!isDeepStrictEqual(json, storedJson))
    return { problem: "its transaction info's JSON is not its Ion's down-conversion" };
  return { hash, json };
}

function objectOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * What is wrong with a format 2 or 3 block's transaction info (its JSON down-conversion)
 * against the revisions stored with the block, or null: every revision's document must
 * be recorded in its table, every recorded document must have a revision, and every
 * statement index must name a listed statement.
 */
export function qldbTransactionInfoProblem(
  info: unknown,
  revisions: readonly LedgerRevision[],
): string | null {
  const documents = objectOf(objectOf(info)?.documents);
  const statements = objectOf(info)?.statements;
  if (documents === null || !Array.isArray(statements)) return "its transaction info is not in QLDB's shape";
  for (const revision of revisions) {
    const { id, version } = revision.metadata;
    const recorded = Object.hasOwn(documents, id) ? objectOf(documents[id]) : null;
    if (recorded?.tableName !== revision.tableName)
      return `revision ${id} v${version} in ${revision.tableName} is not one its transaction recorded`;
  }
  const written = new Set(revisions.map((revision) => revision.metadata.id));
  for (const [id, recorded] of Object.entries(documents)) {
    if (!written.has(id)) return `its transaction recorded document ${id}, of which it stores no revision`;
    const indexes = objectOf(recorded)?.statements;
    const valid = (index: unknown) =>
      Number.isInteger(index) && Number(index) >= 0 && Number(index) < statements.length;
    if (!Array.isArray(indexes) || !indexes.every(valid))
      return `its transaction recorded document ${id} as written by statements it does not list`;
  }
  return null;
}
