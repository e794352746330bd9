/**
 * The statements of the PartiQL subset QLDB applications use, as the parser gives
 * them to the evaluator. Names keep the case they were written in; QLDB's keywords
 * are case-insensitive, its table and field names case-sensitive.
 */

/** One step of a path after its root: `.name`, `['name']`, `[0]` or `[*]`. */
export type PathStep =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

/** `p.parties[0].role`: a root name (a FROM alias, or a table's field when there is no alias) and its steps. */
export interface Path {
  root: string;
  steps: PathStep[];
}

/** An Ion literal written in the statement: `'text'`, `12`, `1.5`, `2e3`, `true`, `null`, `` `2024-01-01T` ``. */
export type Literal =
  | { type: 'null' }
  | { type: 'missing' }
  | { type: 'bool'; value: boolean }
  /** The digits as written (an int may exceed 2^53). */
  | { type: 'int'; text: string }
  /** A number with a point and no exponent, as written: an Ion decimal. */
  | { type: 'decimal'; text: string }
  /** A number with an exponent, as written: an Ion float. */
  | { type: 'float'; text: string }
  | { type: 'string'; value: string }
  /** A backtick literal: Ion text, read by an Ion reader. */
  | { type: 'ion'; text: string };

/** The comparison operators of the subset. */
export type CompareOp = '=' | '<>' | '<' | '>' | '<=' | '>=';

/** An expression. */
export type Expr =
  | { kind: 'literal'; literal: Literal }
  /** `?`: the statement's parameters, numbered from 0 in the order they appear. */
  | { kind: 'parameter'; index: number }
  | { kind: 'path'; path: Path }
  | { kind: 'struct'; fields: Array<{ name: string; value: Expr }> }
  | { kind: 'list'; items: Expr[] }
  /** `<< a, b >>`: a bag, what `INSERT INTO t << ?, ? >>` inserts. */
  | { kind: 'bag'; items: Expr[] }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  /** `x IN (a, b)` or `x IN ?` / `x IN [a, b]`: the list as one expression. */
  | { kind: 'in'; value: Expr; list: Expr; negated: boolean }
  | { kind: 'and'; left: Expr; right: Expr }
  | { kind: 'or'; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'is'; operand: Expr; test: 'null' | 'missing'; negated: boolean };

/** What a SELECT or UPDATE/DELETE ranges over. */
export type Source =
  /** A table's committed view: `commitments AS c BY docId`. */
  | { kind: 'table'; table: string; alias: string | null; byId: string | null }
  /** `_ql_committed_commitments AS c`: every committed document with its blockAddress, hash, data and metadata. */
  | { kind: 'committed'; table: string; alias: string | null }
  /** `history(commitments [, start [, end]]) AS h`: every revision, with data and metadata. */
  | { kind: 'history'; table: string; start: Expr | null; end: Expr | null; alias: string | null }
  /** `information_schema.user_tables AS t`. */
  | { kind: 'userTables'; alias: string | null };

/** What a SELECT returns for each document. */
export type Projection =
  | { kind: 'star' }
  /** `SELECT VALUE expr`. */
  | { kind: 'value'; expr: Expr }
  /** `SELECT a, b.c AS d`: a struct per document; an item without AS is named by its path's last field. */
  | { kind: 'items'; items: Array<{ expr: Expr; alias: string | null }> };

/** One statement of the subset. */
export type Statement =
  | { kind: 'createTable'; table: string }
  | { kind: 'dropTable'; table: string }
  /** `CREATE INDEX ON t (field)`: a top-level field name. */
  | { kind: 'createIndex'; table: string; field: string }
  /** `INSERT INTO t ?`, `INSERT INTO t VALUE {...}`, `INSERT INTO t << {...}, ? >>`. */
  | { kind: 'insert'; table: string; value: Expr }
  | { kind: 'select'; projection: Projection; from: Source; where: Expr | null }
  /** `UPDATE t AS a BY id SET a.x = ?, a.y.z = ? REMOVE a.w WHERE ...` (SET and REMOVE in written order). */
  | {
      kind: 'update';
      table: string;
      alias: string | null;
      byId: string | null;
      changes: Array<{ kind: 'set'; path: Path; value: Expr } | { kind: 'remove'; path: Path }>;
      where: Expr | null;
    }
  | { kind: 'delete'; table: string; alias: string | null; byId: string | null; where: Expr | null };

/** A statement the parser read but the subset does not support; the message names what. */
export class UnsupportedStatementError extends Error {
  override name = 'UnsupportedStatementError';
}

/** A statement that is not PartiQL; the message says where it stops making sense. */
export class PartiqlSyntaxError extends Error {
  override name = 'PartiqlSyntaxError';
}
