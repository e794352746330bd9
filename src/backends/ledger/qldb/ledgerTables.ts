import { createHash } from 'node:crypto';
import type { Queryable } from '../../../core/database.ts';
import { toBase64 } from '../ledgerHash.ts';
import { toRevision } from '../ledgerRows.ts';
import type { LedgerRevision } from '../ledgerTypes.ts';
import { type IonStruct, type IonTree, loadIon, treeOfJson } from './ionTree.ts';

/**
 * The ledger table that holds the catalog of user tables, one document per table,
 * as QLDB's `information_schema.user_tables` lists them. A PartiQL table name cannot
 * contain a dot, so no user table can clash with it.
 */
export const USER_TABLES = 'information_schema.user_tables';

/**
 * True for a name CREATE TABLE accepts, as QLDB's rule has it: a letter or underscore,
 * then letters, digits and underscores, at most 128 in all, and not `_ql...`, the
 * prefix of QLDB's own views. The catalog's table (with its dot) never is one.
 */
export function isTableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name) && !name.startsWith('_ql');
}

/** One table of the catalog. */
export interface TableEntry {
  name: string;
  tableId: string;
  status: 'ACTIVE' | 'INACTIVE';
  indexes: Array<{ indexId: string; expr: string; status: 'ONLINE' }>;
  /** The catalog document's version; null for a table the catalog does not list (written by figway itself). */
  version: number | null;
}

/** The document of a revision as a tree: its Ion when it was written as Ion, else its JSON. */
export function documentOf(revision: LedgerRevision): IonTree {
  const stored = revision as LedgerRevision & { ion?: Uint8Array | null };
  return stored.ion instanceof Uint8Array ? loadIon(stored.ion) : treeOfJson(revision.data);
}

/** True when the revision records a deletion (QLDB's DELETE: metadata and no data). */
export function isDeletion(revision: LedgerRevision): boolean {
  return (revision as LedgerRevision & { deleted?: boolean }).deleted === true;
}

const NEWEST = `not exists (select 1 from ledger.revisions newer
  where newer.table_name = r.table_name and newer.document_id = r.document_id and newer.version > r.version)`;

/**
 * A SQL string literal of `text`, as an escape string (`E'...'`), whose backslashes
 * mean the same whatever the server's standard_conforming_strings: a table or field
 * name from a statement or an imported journal never ends the literal early.
 */
export function literal(text: string): string {
  if (text.includes('\u0000')) throw new RangeError('a name cannot contain U+0000');
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Text as a document's JSON copy holds it: jsonb cannot hold U+0000, so ionToJson
 * writes U+FFFD in its place (in field names too). A lookup of such text on the JSON
 * copy therefore finds a superset of the documents whose Ion holds the text.
 */
export function jsonText(text: string): string {
  return text.replaceAll('\u0000', '\ufffd');
}

/**
 * A top-level field of a table's documents that a read asks to equal a string, both as
 * the JSON copy holds them ({@link jsonText}); the caller re-checks the documents found.
 */
export interface FieldEquals {
  field: string;
  value: string;
}

/**
 * The newest revision of each document of `table` that is not deleted; with `equals`,
 * only those whose JSON field holds that string (the caller re-checks its whole
 * condition). The table and field are written into the statement, so that the index
 * `CREATE INDEX` made for them ({@link indexStatement}) serves it.
 */
export async function committedRevisions(
  db: Queryable,
  table: string,
  equals: FieldEquals | null = null,
): Promise<LedgerRevision[]> {
  const rows =
    equals === null
      ? await db.query(`select r.* from ledger.revisions r where r.table_name = $1 and ${NEWEST}`, [table])
      : await db.query(
          `select r.* from ledger.revisions r
           where r.table_name = ${literal(table)} and r.data ->> ${literal(equals.field)} = $1 and ${NEWEST}`,
          [equals.value],
        );
  return rows.map((row) => toRevision(row)).filter((revision) => !isDeletion(revision));
}

/**
 * The PostgreSQL index behind QLDB's `CREATE INDEX ON table (field)`: an expression
 * index on the field's JSON text, over that table's revisions only.
 */
export function indexStatement(table: string, field: string): string {
  const name = `qldb_${createHash('sha1').update(`${table}\u0000${field}`).digest('hex').slice(0, 20)}`;
  return `create index if not exists ${name} on ledger.revisions ((data ->> ${literal(field)}))
    where table_name = ${literal(table)}`;
}

/** True when `table` has revisions: a table figway writes itself, which the catalog may not list. */
export async function hasRevisions(db: Queryable, table: string): Promise<boolean> {
  const [row] = await db.query(
    'select exists (select 1 from ledger.revisions where table_name = $1) as found',
    [table],
  );
  return row?.found === true;
}

/** Every revision of the documents of `table`, oldest first per document, within the commit times given. */
export async function historyRevisions(
  db: Queryable,
  table: string,
  from: Date | null,
  to: Date | null,
): Promise<LedgerRevision[]> {
  const rows = await db.query(
    `select r.* from ledger.revisions r where r.table_name = $1
       and ($2::timestamptz is null or r.tx_time >= $2) and ($3::timestamptz is null or r.tx_time <= $3)
     order by r.sequence_no, r.entry_index`,
    [table, from?.toISOString() ?? null, to?.toISOString() ?? null],
  );
  return rows.map((row) => toRevision(row));
}

// Catalog documents are written as JSON, so their JSON is the whole of them.
function entryOf(data: unknown, version: number): TableEntry | null {
  if (typeof data !== 'object' || data === null) return null;
  const json = data as Partial<TableEntry>;
  if (typeof json.name !== 'string' || typeof json.tableId !== 'string') return null;
  return {
    name: json.name,
    tableId: json.tableId,
    status: json.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
    indexes: Array.isArray(json.indexes) ? json.indexes : [],
    version,
  };
}

/** The tables the catalog lists (QLDB's CREATE TABLE made them, or a later statement listed them). */
export async function readListedTables(db: Queryable): Promise<TableEntry[]> {
  return (await committedRevisions(db, USER_TABLES))
    .map((revision) => entryOf(revision.data, revision.metadata.version))
    .filter((entry): entry is TableEntry => entry !== null);
}

/** An entry for a table figway writes itself, which the catalog does not list: its name is its id. */
export function unlistedTable(name: string): TableEntry {
  return { name, tableId: name, status: 'ACTIVE', indexes: [], version: null };
}

/**
 * The whole catalog, for `information_schema.user_tables`: every table it lists, and
 * every other table with documents (figway's own). This reads every table name in the
 * journal; statements naming one table use {@link readListedTables} and {@link hasRevisions}.
 */
export async function readCatalog(db: Queryable): Promise<TableEntry[]> {
  const listed = await readListedTables(db);
  const names = new Set(listed.map((entry) => entry.name));
  const rows = await db.query<{ table_name: string }>(
    'select distinct table_name from ledger.revisions where table_name <> $1',
    [USER_TABLES],
  );
  const unlisted = rows
    .map((row) => row.table_name)
    .filter((name) => !names.has(name))
    .map(unlistedTable);
  return [...listed, ...unlisted];
}

/** A catalog entry as `information_schema.user_tables` shows it. */
export function catalogDocument(entry: TableEntry): IonStruct {
  const { name, tableId, status } = entry;
  // In QLDB's order (the catalog's JSON column does not keep one).
  const indexes = entry.indexes.map(({ expr, indexId, status }) => ({ expr, indexId, status }));
  return treeOfJson({ name, tableId, indexes, status }) as IonStruct;
}

/**
 * A revision as QLDB's committed view and history show it: blockAddress, hash,
 * data (absent for a deletion) and metadata, with Ion types (txTime is a timestamp, to
 * the millisecond as the revision's hash has it, `.000` included).
 */
export function revisionDocument(revision: LedgerRevision): IonStruct {
  const { blockAddress, metadata } = revision;
  const text =
    `{blockAddress:{strandId:${JSON.stringify(blockAddress.strandId)},sequenceNo:${blockAddress.sequenceNo}},` +
    `hash:{{${toBase64(revision.hash)}}},` +
    `metadata:{id:${JSON.stringify(metadata.id)},version:${metadata.version},` +
    `txTime:${metadata.txTime},txId:${JSON.stringify(metadata.txId)}}}`;
  const struct = loadIon(text) as IonStruct;
  if (!isDeletion(revision)) {
    const ordered: IonStruct = Object.create(null);
    ordered.blockAddress = struct.blockAddress as IonTree;
    ordered.hash = struct.hash as IonTree;
    ordered.data = documentOf(revision);
    ordered.metadata = struct.metadata as IonTree;
    return ordered;
  }
  return struct;
}
