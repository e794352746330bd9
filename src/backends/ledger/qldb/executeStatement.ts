import { ledgerId } from '../appendTransaction.ts';
import { evaluate, type Scope, StatementError, truthOf } from './evaluateExpr.ts';
import { type IonStruct, type IonTree, isStruct, MISSING, newStruct, treeOfJson } from './ionTree.ts';
import { isTableName } from './ledgerTables.ts';
import type { Expr, Statement } from './partiqlAst.ts';
import { selectRows, whereOf } from './selectRows.ts';
import type { SeenDocument, TransactionView } from './transactionView.ts';
import { applyChanges } from './updateDocument.ts';

const NO_NAMES: ReadonlyMap<string, IonTree> = new Map();

/** Indexes per table at most, as in QLDB. */
const MAX_INDEXES = 5;

/** `{name: value}` as a one-field struct. */
function one(name: string, value: string): IonStruct {
  return treeOfJson({ [name]: value }) as IonStruct;
}

function scopeOf(
  document: SeenDocument,
  alias: string | null,
  byId: string | null,
  params: readonly IonTree[],
): Scope {
  const names = new Map<string, IonTree>();
  if (alias !== null) names.set(alias, document.document);
  if (byId !== null) names.set(byId, treeOfJson(document.id));
  return { names, implicit: document.document, params };
}

// The documents of a table an UPDATE or DELETE acts on.
async function targets(
  view: TransactionView,
  statement: { table: string; alias: string | null; byId: string | null; where: Expr | null },
  params: readonly IonTree[],
) {
  await view.table(statement.table);
  const documents = await view.documents(
    statement.table,
    whereOf(statement.where, statement.alias, statement.byId, params),
  );
  return documents.filter(
    (document) =>
      statement.where === null ||
      truthOf(statement.where, scopeOf(document, statement.alias, statement.byId, params)) === true,
  );
}

// The documents an INSERT writes: a struct, or each struct of a list or bag.
function insertedDocuments(value: IonTree): IonStruct[] {
  const documents: IonTree[] = Array.isArray(value) ? value : [value];
  return documents.map((document) => {
    if (!isStruct(document)) throw new StatementError('INSERT needs a struct, or a list or bag of structs');
    return document;
  });
}

async function createIndex(view: TransactionView, table: string, field: string): Promise<IonTree[]> {
  const entry = await view.table(table);
  const expr = `[${field}]`;
  // The catalog is JSON (jsonb), which cannot hold U+0000.
  if (field.includes('\u0000')) throw new StatementError('An indexed field name cannot contain U+0000');
  if (entry.indexes.length >= MAX_INDEXES)
    throw new StatementError(
      `Table '${table}' already has ${MAX_INDEXES} indexes, the most a table may have`,
    );
  if (entry.indexes.some((index) => index.expr === expr))
    throw new StatementError(`Table '${table}' already has an index on ${field}`);
  const indexId = ledgerId();
  view.putTable({ ...entry, indexes: [...entry.indexes, { indexId, expr, status: 'ONLINE' }] });
  view.newIndexes.push({ table, field });
  const result = newStruct();
  result.tableId = treeOfJson(entry.tableId);
  result.indexId = treeOfJson(indexId);
  return [result];
}

/**
 * Runs one statement in `view` (reads see the transaction's own writes; writes wait
 * for the commit) and returns its result values as QLDB returns them: the documents
 * or projections of a SELECT, `{documentId}` per document an INSERT, UPDATE or DELETE
 * wrote, `{tableId}` for table statements. Throws StatementError for what QLDB
 * refuses as a bad request.
 */
export async function executeStatement(
  view: TransactionView,
  statement: Statement,
  params: readonly IonTree[],
): Promise<IonTree[]> {
  switch (statement.kind) {
    case 'select':
      return selectRows(view, statement, params);
    case 'createTable': {
      if (!isTableName(statement.table))
        throw new StatementError(
          `'${statement.table}' is not a table name: a letter or underscore, then letters, digits and underscores, at most 128, not starting with _ql`,
        );
      if ((await view.tableNamed(statement.table)) !== null)
        throw new StatementError(`Table '${statement.table}' already exists`);
      // Revisions are kept by table name: a new table would show the dropped one's documents.
      if (await view.wasDropped(statement.table))
        throw new StatementError(
          `Table '${statement.table}' was dropped; figway cannot create another table of that name`,
        );
      const tableId = ledgerId();
      view.putTable({ name: statement.table, tableId, status: 'ACTIVE', indexes: [], version: null });
      return [one('tableId', tableId)];
    }
    case 'dropTable': {
      const entry = await view.table(statement.table);
      view.putTable({ ...entry, status: 'INACTIVE' });
      return [one('tableId', entry.tableId)];
    }
    case 'createIndex':
      return createIndex(view, statement.table, statement.field);
    case 'insert': {
      await view.table(statement.table);
      const value = evaluate(statement.value, { names: NO_NAMES, implicit: MISSING, params });
      return insertedDocuments(value).map((document) => {
        const documentId = ledgerId();
        view.put(statement.table, documentId, { kind: 'ion', document }, true);
        return one('documentId', documentId);
      });
    }
    case 'update': {
      // Every document is changed before any is recorded: an UPDATE refused at its second
      // document must not leave its first changed in a transaction that may still commit.
      const updated = (await targets(view, statement, params)).map((document): SeenDocument => {
        const scope = scopeOf(document, statement.alias, statement.byId, params);
        return {
          id: document.id,
          document: applyChanges(document.document, statement.changes, statement.alias, scope),
        };
      });
      return updated.map(({ id, document }) => {
        view.put(statement.table, id, { kind: 'ion', document });
        return one('documentId', id);
      });
    }
    case 'delete':
      return (await targets(view, statement, params)).map((document) => {
        view.put(statement.table, document.id, { kind: 'deleted' });
        return one('documentId', document.id);
      });
  }
}
