import type { CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Queryable, Row } from '../../core/database.ts';

/** What {@link writeCommitmentToLegacy} did. */
export interface LegacyWriteResult {
  /** False when no legacy row was written: legacy already held all that the write brings. */
  changed: boolean;
  /**
   * True when legacy's commitment row has a greater `version` than the document's and
   * was left as it was (only when not `exact`): legacy moved past this revision.
   */
  superseded: boolean;
}

/** Options of {@link writeCommitmentToLegacy}. */
export interface LegacyWriteOptions {
  /** The user who made the write on the target, recorded by legacy's audit trail; null for a service. */
  actor: string | null;
  /**
   * `true`: legacy becomes exactly the document, whatever it holds (a reconcile repair
   * under target authority): the commitment row is overwritten even when legacy's
   * version is greater, and parties and documents the document lacks are deleted.
   *
   * `false`: the document is merged into legacy (the outbox): the commitment row is
   * written only when legacy's version is not greater than the document's, and
   * parties and documents are inserted or updated by id, never deleted. A row that
   * legacy holds under another id for the same profile (a party) or the same name and
   * version (a document) is left as it is. Legacy-only rows come from writes made on
   * legacy, which change capture takes to the target; the ledger never removes a party
   * or document through a mutation.
   */
  exact: boolean;
}

type Value = string | number | null;

/** A legacy table as the mirror writes it: its columns, and each column's value in a document's terms. */
interface TableShape<T> {
  table: string;
  columns: ReadonlyArray<readonly [column: string, value: (item: T) => Value]>;
}

// Timestamps compare as instants: the target writes `toISOString()`, legacy hands
// back a Date (pg, PGlite) with the same millisecond precision.
function instant(value: unknown): string {
  return new Date(value instanceof Date ? value : String(value)).toISOString();
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

type Commitment = CommitmentDocument;
type Party = CommitmentDocument['parties'][number];
type Attached = CommitmentDocument['documents'][number];

const COMMITMENT: TableShape<Commitment> = {
  table: 'public.commitments',
  columns: [
    ['id', (c) => c.id],
    ['title', (c) => c.title],
    ['description', (c) => c.description],
    ['type_id', (c) => c.typeId],
    ['status', (c) => c.status],
    ['terms', (c) => c.terms],
    ['version', (c) => c.version],
    ['created_by', (c) => c.createdBy],
    ['created_at', (c) => instant(c.createdAt)],
    ['updated_at', (c) => instant(c.updatedAt)],
  ],
};

const PARTY: TableShape<Party> = {
  table: 'public.commitment_parties',
  columns: [
    ['id', (p) => p.id],
    ['profile_id', (p) => p.profileId],
    ['role', (p) => p.role],
    ['joined_at', (p) => instant(p.joinedAt)],
  ],
};

const DOCUMENT: TableShape<Attached> = {
  table: 'public.commitment_documents',
  columns: [
    ['id', (d) => d.id],
    ['name', (d) => d.name],
    ['url', (d) => d.url],
    ['version', (d) => d.version],
    ['uploaded_by', (d) => d.uploadedBy],
    ['uploaded_at', (d) => instant(d.uploadedAt)],
  ],
};

const TIMESTAMPS = new Set(['created_at', 'updated_at', 'joined_at', 'uploaded_at']);
const NUMBERS = new Set(['version']);

// A legacy row in the same terms as the shape's values, so the two compare with ===.
function columnValue(row: Row, column: string): Value {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (TIMESTAMPS.has(column)) return instant(value);
  if (NUMBERS.has(column)) return Number(value);
  return text(value);
}

function differs<T>(shape: TableShape<T>, row: Row, item: T): boolean {
  return shape.columns.some(([column, value]) => columnValue(row, column) !== value(item));
}

async function insert<T>(tx: Queryable, shape: TableShape<T>, item: T, commitmentId: string | null) {
  const columns = shape.columns.map(([column]) => column);
  const values: Value[] = shape.columns.map(([, value]) => value(item));
  if (commitmentId !== null) {
    columns.push('commitment_id');
    values.push(commitmentId);
  }
  await tx.query(
    `insert into ${shape.table} (${columns.join(', ')}) values (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

async function update<T>(tx: Queryable, shape: TableShape<T>, item: T) {
  const [id, ...rest] = shape.columns;
  if (id === undefined) throw new Error(`${shape.table} has no columns`);
  await tx.query(
    `update ${shape.table} set ${rest.map(([column], i) => `${column} = $${i + 2}`).join(', ')} where id = $1`,
    [id[1](item), ...rest.map(([, value]) => value(item))],
  );
}

// The commitment's own row, locked for the rest of the transaction. Unless `exact`,
// a legacy row with a greater version is newer than the document and stays.
async function writeCommitmentRow(
  tx: Queryable,
  document: CommitmentDocument,
  exact: boolean,
): Promise<LegacyWriteResult> {
  const [row] = await tx.query('select * from public.commitments where id = $1 for update', [document.id]);
  if (row === undefined) {
    await insert(tx, COMMITMENT, document, null);
    return { changed: true, superseded: false };
  }
  if (!exact && Number(row.version) > document.version) return { changed: false, superseded: true };
  const changed = differs(COMMITMENT, row, document);
  if (changed) await update(tx, COMMITMENT, document);
  return { changed, superseded: false };
}

/** A child table of a commitment, and the identity its unique constraint holds besides the id. */
interface ChildTable<T> {
  shape: TableShape<T>;
  identity: (item: T) => string;
  rowIdentity: (row: Row) => string;
}

const PARTIES: ChildTable<Party> = {
  shape: PARTY,
  identity: (party) => party.profileId,
  rowIdentity: (row) => String(row.profile_id),
};

const DOCUMENTS: ChildTable<Attached> = {
  shape: DOCUMENT,
  identity: (entry) => `${entry.name}\u0000${entry.version}`,
  rowIdentity: (row) => `${String(row.name)}\u0000${Number(row.version)}`,
};

function lockChildren<T>(tx: Queryable, child: ChildTable<T>, commitmentId: string): Promise<Row[]> {
  return tx.query(`select * from ${child.shape.table} where commitment_id = $1 for update`, [commitmentId]);
}

/**
 * Brings one child row to `item` by id: inserts it when legacy has no row of its id
 * (`row` undefined), updates it when a column differs. False when legacy's row already
 * equals the item and nothing was written.
 */
async function upsertChild<T extends { id: string }>(
  tx: Queryable,
  shape: TableShape<T>,
  commitmentId: string,
  item: T,
  row: Row | undefined,
): Promise<boolean> {
  if (row === undefined) await insert(tx, shape, item, commitmentId);
  else if (differs(shape, row, item)) await update(tx, shape, item);
  else return false;
  return true;
}

/** Writes `items` into a commitment's child rows of one table; true when any row was written or deleted. */
type ChildWriter = <T extends { id: string }>(
  tx: Queryable,
  child: ChildTable<T>,
  commitmentId: string,
  items: readonly T[],
) => Promise<boolean>;

/**
 * Makes a commitment's child rows (parties or documents) equal `items`, by id. A row
 * whose identity (the columns of its unique constraint) differs from the item of
 * the same id is deleted and inserted again, after every row the document lacks is
 * gone: an update in place could collide with a row the same write moves or removes.
 */
const replaceChildren: ChildWriter = async (tx, child, commitmentId, items) => {
  const { shape } = child;
  const rows = await lockChildren(tx, child, commitmentId);
  const wanted = new Map(items.map((item) => [item.id, item]));
  const kept = new Map<string, Row>();
  const gone: string[] = [];
  for (const row of rows) {
    const item = wanted.get(String(row.id));
    if (item !== undefined && child.identity(item) === child.rowIdentity(row)) kept.set(String(row.id), row);
    else gone.push(String(row.id));
  }
  if (gone.length > 0) await tx.query(`delete from ${shape.table} where id = any($1::uuid[])`, [gone]);
  let changed = gone.length > 0;
  for (const item of items) {
    if (await upsertChild(tx, shape, commitmentId, item, kept.get(item.id))) changed = true;
  }
  return changed;
};

/**
 * Brings `items` into a commitment's child rows by id, deleting none: an item legacy
 * lacks is inserted, one that differs is updated. An item whose identity legacy holds
 * under another id (a party of the same profile, a document of the same name and
 * version, written on legacy) is left out, so legacy's row stays and the unique
 * constraint is never hit.
 */
const mergeChildren: ChildWriter = async (tx, child, commitmentId, items) => {
  const { shape } = child;
  const rows = new Map((await lockChildren(tx, child, commitmentId)).map((row) => [String(row.id), row]));
  const holders = new Map([...rows.values()].map((row) => [child.rowIdentity(row), String(row.id)]));
  let changed = false;
  for (const item of items) {
    const holder = holders.get(child.identity(item));
    if (holder !== undefined && holder !== item.id) continue;
    const row = rows.get(item.id);
    if (!(await upsertChild(tx, shape, commitmentId, item, row))) continue;
    if (row !== undefined) holders.delete(child.rowIdentity(row));
    holders.set(child.identity(item), item.id);
    changed = true;
  }
  return changed;
};

// Who legacy's audit trail (commitment_history.changed_by, through auth.uid()) and
// figway's change capture record as the author of the mirrored write.
function claimsOf(actor: string | null): string {
  return JSON.stringify(actor === null ? { role: 'service_role' } : { sub: actor, role: 'authenticated' });
}

/**
 * Brings legacy's rows of one commitment (the commitment, its parties, its documents)
 * to a target document, inside the caller's legacy transaction: exactly (`exact`), or
 * merged without moving legacy's commitment row back to an older version and without
 * deleting a party or document (see {@link LegacyWriteOptions.exact}). The writes are
 * marked as the mirror's (`figway.origin` = 'mirror', so legacy's triggers keep the
 * target's versions and ids and change capture never sends them back) and carry the
 * actor's claims. Rows already equal are not touched. Runs as the database owner, past RLS.
 */
export async function writeCommitmentToLegacy(
  tx: Queryable,
  document: CommitmentDocument,
  options: LegacyWriteOptions,
): Promise<LegacyWriteResult> {
  await tx.query(
    "select set_config('figway.origin', 'mirror', true), set_config('request.jwt.claims', $1, true)",
    [claimsOf(options.actor)],
  );
  const commitment = await writeCommitmentRow(tx, document, options.exact);
  const children = options.exact ? replaceChildren : mergeChildren;
  const parties = await children(tx, PARTIES, document.id, document.parties);
  const documents = await children(tx, DOCUMENTS, document.id, document.documents);
  return { changed: commitment.changed || parties || documents, superseded: commitment.superseded };
}
