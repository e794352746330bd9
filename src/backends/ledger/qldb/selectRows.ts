import * as ion from 'ion-js';
import { evaluate, type Scope, StatementError, truthOf } from './evaluateExpr.ts';
import { type IonStruct, type IonTree, isStruct, MISSING, newStruct, treeOfJson } from './ionTree.ts';
import { catalogDocument, type FieldEquals, jsonText, revisionDocument } from './ledgerTables.ts';
import type { Expr, Projection, Source, Statement } from './partiqlAst.ts';
import type { TransactionView } from './transactionView.ts';

type Select = Extract<Statement, { kind: 'select' }>;

/** A row a source yields: the value its alias names, and the document id BY names. */
interface SourceRow {
  value: IonTree;
  id: string | null;
}

const NO_NAMES: ReadonlyMap<string, IonTree> = new Map();

/**
 * An equality of a WHERE's top-level AND on a top-level field with a string (`id = ?`),
 * which the index CREATE INDEX made on the field answers; the rows found are checked
 * against the whole condition again, so this only narrows the read.
 */
export function whereOf(
  where: Expr | null,
  alias: string | null,
  byId: string | null,
  params: readonly IonTree[],
) {
  let found: FieldEquals | null = null;
  const visit = (expr: Expr): void => {
    if (found !== null) return;
    if (expr.kind !== 'compare' || expr.op !== '=') return;
    const [path, other] = expr.left.kind === 'path' ? [expr.left, expr.right] : [expr.right, expr.left];
    if (path.kind !== 'path' || (other.kind !== 'parameter' && other.kind !== 'literal')) return;
    const { root, steps } = path.path;
    // BY's name is the document id, not a field of the document.
    if (root === byId) return;
    const [step] = steps;
    const field =
      root === alias
        ? steps.length === 1 && step?.kind === 'field'
          ? step.name
          : null
        : steps.length === 0
          ? root
          : null;
    if (field === null) return;
    const value = evaluate(other, { names: NO_NAMES, implicit: MISSING, params });
    if (
      !Array.isArray(value) &&
      !isStruct(value) &&
      value !== MISSING &&
      value.getType() === ion.IonTypes.STRING
    )
      found = { field: jsonText(field), value: jsonText(value.stringValue() ?? '') };
  };
  // The top-level AND's operands, without recursion (a chain is as deep as it is long).
  const pending: Expr[] = where === null ? [] : [where];
  while (pending.length > 0 && found === null) {
    const next = pending.pop() as Expr;
    if (next.kind === 'and') pending.push(next.right, next.left);
    else visit(next);
  }
  return found;
}

function instantOf(value: IonTree, what: string): Date | null {
  if (value === MISSING || Array.isArray(value) || isStruct(value) || value.isNull()) return null;
  if (value.getType() !== ion.IonTypes.TIMESTAMP)
    throw new StatementError(`history's ${what} must be a timestamp`);
  return value.dateValue();
}

async function rowsOf(view: TransactionView, source: Source, select: Select, params: readonly IonTree[]) {
  const outside: Scope = { names: NO_NAMES, implicit: MISSING, params };
  switch (source.kind) {
    case 'table': {
      await view.table(source.table);
      const documents = await view.documents(
        source.table,
        whereOf(select.where, source.alias, source.byId, params),
      );
      return documents.map((document): SourceRow => ({ value: document.document, id: document.id }));
    }
    case 'committed':
      await view.table(source.table);
      return (await view.committed(source.table)).map(
        (revision): SourceRow => ({ value: revisionDocument(revision), id: revision.metadata.id }),
      );
    case 'history': {
      await view.table(source.table);
      const from = source.start === null ? null : instantOf(evaluate(source.start, outside), 'start');
      const to = source.end === null ? null : instantOf(evaluate(source.end, outside), 'end');
      return (await view.history(source.table, from, to)).map(
        (revision): SourceRow => ({ value: revisionDocument(revision), id: revision.metadata.id }),
      );
    }
    case 'userTables':
      return (await view.catalog()).map(
        (entry): SourceRow => ({ value: catalogDocument(entry), id: entry.tableId }),
      );
  }
}

// The name of an unnamed projection item: its path's last field, else `_n`.
function itemName(expr: Expr, position: number): string {
  if (expr.kind === 'path') {
    const last = expr.path.steps.at(-1);
    if (last === undefined) return expr.path.root;
    if (last.kind === 'field') return last.name;
  }
  return `_${position + 1}`;
}

function project(projection: Projection, row: SourceRow, byId: string | null, scope: Scope): IonTree {
  switch (projection.kind) {
    case 'star': {
      if (byId === null || !isStruct(row.value) || row.id === null) return row.value;
      const withId: IonStruct = Object.assign(newStruct(), row.value);
      withId[byId] = treeOfJson(row.id);
      return withId;
    }
    case 'value':
      return evaluate(projection.expr, scope);
    case 'items': {
      const struct = newStruct();
      projection.items.forEach((item, position) => {
        const value = evaluate(item.expr, scope);
        if (value !== MISSING) struct[item.alias ?? itemName(item.expr, position)] = value;
      });
      return struct;
    }
  }
}

/** The values of a SELECT, in the order the ledger holds the documents. */
export async function selectRows(
  view: TransactionView,
  select: Select,
  params: readonly IonTree[],
): Promise<IonTree[]> {
  const source = select.from;
  const alias = source.alias;
  const byId = source.kind === 'table' ? source.byId : null;
  const values: IonTree[] = [];
  for (const row of await rowsOf(view, source, select, params)) {
    const names = new Map<string, IonTree>();
    if (alias !== null) names.set(alias, row.value);
    if (byId !== null && row.id !== null) names.set(byId, treeOfJson(row.id));
    const scope: Scope = { names, implicit: row.value, params };
    if (select.where !== null && truthOf(select.where, scope) !== true) continue;
    const value = project(select.projection, row, byId, scope);
    if (value !== MISSING) values.push(value);
  }
  return values;
}
