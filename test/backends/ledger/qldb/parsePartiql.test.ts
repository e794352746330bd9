import { describe, expect, it } from 'vitest';
import { parsePartiql } from '../../../../src/backends/ledger/qldb/parsePartiql.ts';
import type {
  Expr,
  Literal,
  Path,
  PathStep,
  Statement,
} from '../../../../src/backends/ledger/qldb/partiqlAst.ts';

const WILDCARD = Symbol('[*]');
type Step = string | number | typeof WILDCARD;

/** `at('c', 'parties', 0, 'role')` is the path `c.parties[0].role`. */
function at(root: string, ...steps: Step[]): Path {
  const toStep = (step: Step): PathStep =>
    step === WILDCARD
      ? { kind: 'wildcard' }
      : typeof step === 'number'
        ? { kind: 'index', index: step }
        : { kind: 'field', name: step };
  return { root, steps: steps.map(toStep) };
}
const path = (root: string, ...steps: Step[]): Expr => ({ kind: 'path', path: at(root, ...steps) });
const param = (index: number): Expr => ({ kind: 'parameter', index });
const lit = (literal: Literal): Expr => ({ kind: 'literal', literal });
const str = (value: string): Expr => lit({ type: 'string', value });
const int = (text: string): Expr => lit({ type: 'int', text });
const eq = (left: Expr, right: Expr): Expr => ({ kind: 'compare', op: '=', left, right });
const struct = (...fields: Array<[string, Expr]>): Expr => ({
  kind: 'struct',
  fields: fields.map(([name, value]) => ({ name, value })),
});
const table = (name: string, alias: string | null = null, byId: string | null = null) =>
  ({ kind: 'table', table: name, alias, byId }) as const;

describe('parsePartiql: the statements QLDB applications run', () => {
  const history: Statement = {
    kind: 'select',
    projection: {
      kind: 'items',
      items: [
        { expr: path('h', 'data', 'title'), alias: null },
        { expr: path('h', 'metadata', 'version'), alias: null },
      ],
    },
    from: { kind: 'history', table: 'commitments', start: null, end: null, alias: 'h' },
    where: eq(path('h', 'data', 'id'), str('c1')),
  };
  it.each<[string, Statement]>([
    ['CREATE TABLE commitments', { kind: 'createTable', table: 'commitments' }],
    ['CREATE INDEX ON commitments (id)', { kind: 'createIndex', table: 'commitments', field: 'id' }],
    [
      'CREATE INDEX ON commitments (createdBy)',
      { kind: 'createIndex', table: 'commitments', field: 'createdBy' },
    ],
    ['INSERT INTO commitments ?', { kind: 'insert', table: 'commitments', value: param(0) }],
    [
      'SELECT * FROM commitments WHERE id = ?',
      {
        kind: 'select',
        projection: { kind: 'star' },
        from: table('commitments'),
        where: eq(path('id'), param(0)),
      },
    ],
    [
      'UPDATE commitments SET status = ? WHERE id = ?',
      {
        ...table('commitments'),
        kind: 'update',
        changes: [{ kind: 'set', path: { root: 'status', steps: [] }, value: param(0) }],
        where: eq(path('id'), param(1)),
      },
    ],
    [
      "SELECT h.data.title, h.metadata.version FROM history(commitments) AS h WHERE h.data.id = 'c1'",
      history,
    ],
  ])('reads %s', (text, expected) => {
    expect(parsePartiql(text)).toEqual(expected);
  });
});

describe('parsePartiql: tables and inserts', () => {
  it('reads keywords in any case, keeps names as written, and allows a trailing ;', () => {
    expect(parsePartiql('create TABLE Commitments;')).toEqual({ kind: 'createTable', table: 'Commitments' });
    expect(parsePartiql('drop table "my ""t"""')).toEqual({ kind: 'dropTable', table: 'my "t"' });
  });

  it('reads INSERT with VALUE and a struct of lists of structs', () => {
    const text = "INSERT INTO commitments VALUE {'id': ?, 'parties': [{'userId': 'u1', role: 'creator'}]}";
    const party = struct(['userId', str('u1')], ['role', str('creator')]);
    expect(parsePartiql(text)).toEqual({
      kind: 'insert',
      table: 'commitments',
      value: struct(['id', param(0)], ['parties', { kind: 'list', items: [party] }]),
    });
  });

  it('reads INSERT of a bag, numbering parameters in order', () => {
    expect(parsePartiql("INSERT INTO t << {'a': ?}, ? >>")).toEqual({
      kind: 'insert',
      table: 't',
      value: { kind: 'bag', items: [struct(['a', param(0)]), param(1)] },
    });
  });

  it('reads every kind of literal, keeping numbers and Ion as written', () => {
    const statement = parsePartiql(
      "INSERT INTO t VALUE ['it''s', 12, 99999999999999999999, 1.50, 2e3, -7, true, FALSE, null, MISSING, `{a: \"`\"}`]",
    );
    expect(statement).toEqual({
      kind: 'insert',
      table: 't',
      value: {
        kind: 'list',
        items: [
          str("it's"),
          int('12'),
          int('99999999999999999999'),
          lit({ type: 'decimal', text: '1.50' }),
          lit({ type: 'float', text: '2e3' }),
          int('-7'),
          lit({ type: 'bool', value: true }),
          lit({ type: 'bool', value: false }),
          lit({ type: 'null' }),
          lit({ type: 'missing' }),
          lit({ type: 'ion', text: '{a: "`"}' }),
        ],
      },
    });
  });
});

describe('parsePartiql: SELECT', () => {
  const select = (text: string) => parsePartiql(text) as Extract<Statement, { kind: 'select' }>;

  it('reads items with and without AS, and an alias', () => {
    expect(select('SELECT c.title, c.status AS s FROM commitments AS c')).toEqual({
      kind: 'select',
      projection: {
        kind: 'items',
        items: [
          { expr: path('c', 'title'), alias: null },
          { expr: path('c', 'status'), alias: 's' },
        ],
      },
      from: table('commitments', 'c'),
      where: null,
    });
  });

  it('reads SELECT VALUE, an alias without AS, BY and paths with steps', () => {
    expect(select('SELECT VALUE c.id FROM commitments c').projection).toEqual({
      kind: 'value',
      expr: path('c', 'id'),
    });
    expect(select('SELECT id FROM commitments AS c BY docId WHERE docId = ?')).toMatchObject({
      from: table('commitments', 'c', 'docId'),
      where: eq(path('docId'), param(0)),
    });
    expect(select("SELECT p.parties[0].role, a['b'], a[*], c.value FROM t").projection).toEqual({
      kind: 'items',
      items: [path('p', 'parties', 0, 'role'), path('a', 'b'), path('a', WILDCARD), path('c', 'value')].map(
        (expr) => ({ expr, alias: null }),
      ),
    });
  });

  it('reads the committed view, history and information_schema.user_tables', () => {
    expect(select('SELECT * FROM _ql_committed_commitments AS c').from).toEqual({
      kind: 'committed',
      table: 'commitments',
      alias: 'c',
    });
    expect(
      select('SELECT * FROM history(commitments, `2019-06-05T00:00:00Z`, `2019-06-05T23:59:59Z`) AS h').from,
    ).toEqual({
      kind: 'history',
      table: 'commitments',
      start: lit({ type: 'ion', text: '2019-06-05T00:00:00Z' }),
      end: lit({ type: 'ion', text: '2019-06-05T23:59:59Z' }),
      alias: 'h',
    });
    const fromT = { kind: 'history', table: 't', start: param(0), end: null, alias: 'h' };
    expect(select('SELECT * FROM history(t, ?) h').from).toEqual(fromT);
    expect(select('SELECT * FROM information_schema.user_tables').from).toEqual({
      kind: 'userTables',
      alias: null,
    });
  });

  const where = (condition: string) => select(`SELECT * FROM t WHERE ${condition}`).where;

  it.each(Object.entries({ '=': '=', '<>': '<>', '!=': '<>', '<': '<', '>': '>', '<=': '<=', '>=': '>=' }))(
    'reads the comparison %s',
    (written, op) => {
      expect(where(`a ${written} 1`)).toEqual({ kind: 'compare', op, left: path('a'), right: int('1') });
    },
  );

  it('reads IN, NOT IN and IS [NOT] NULL / MISSING', () => {
    const isIn = (list: Expr, negated = false): Expr => ({ kind: 'in', value: path('a'), list, negated });
    expect(where('a IN (1, ?)')).toEqual(isIn({ kind: 'list', items: [int('1'), param(0)] }));
    expect(where('a IN ?')).toEqual(isIn(param(0)));
    expect(where("a NOT IN ['x']")).toEqual(isIn({ kind: 'list', items: [str('x')] }, true));
    expect(where('a IN <<1>>')).toEqual(isIn({ kind: 'bag', items: [int('1')] }));
    const is = (test: 'null' | 'missing', negated: boolean): Expr => ({
      kind: 'is',
      operand: path('a'),
      test,
      negated,
    });
    expect(where('a IS NULL')).toEqual(is('null', false));
    expect(where('a IS NOT NULL')).toEqual(is('null', true));
    expect(where('a IS MISSING')).toEqual(is('missing', false));
    expect(where('a is not missing')).toEqual(is('missing', true));
  });

  it('binds OR loosest, then AND, then NOT, and obeys parentheses', () => {
    const [a, b, c] = [eq(path('a'), int('1')), eq(path('b'), int('2')), eq(path('c'), int('3'))];
    expect(where('a = 1 OR b = 2 AND NOT c = 3')).toEqual({
      kind: 'or',
      left: a,
      right: { kind: 'and', left: b, right: { kind: 'not', operand: c } },
    });
    expect(where('(a = 1 OR b = 2) AND c = 3')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: a, right: b },
      right: c,
    });
  });
});

describe('parsePartiql: UPDATE, the FROM-form and DELETE', () => {
  const set = (value: Expr, root: string, ...steps: string[]) => ({
    kind: 'set',
    path: at(root, ...steps),
    value,
  });
  const remove = (root: string, ...steps: string[]) => ({ kind: 'remove', path: at(root, ...steps) });
  const update = (target: ReturnType<typeof table>, changes: unknown[], where: Expr | null) => ({
    ...target,
    kind: 'update',
    changes,
    where,
  });

  it('reads UPDATE with an alias, BY and several SET items', () => {
    expect(
      parsePartiql('UPDATE commitments AS c BY id SET c.status = ?, c.terms.x = ? WHERE c.id = ?'),
    ).toEqual(
      update(
        table('commitments', 'c', 'id'),
        [set(param(0), 'c', 'status'), set(param(1), 'c', 'terms', 'x')],
        eq(path('c', 'id'), param(2)),
      ),
    );
  });

  it('keeps SET and REMOVE clauses in written order', () => {
    expect(parsePartiql('UPDATE t REMOVE t.a WHERE t.id = 1')).toEqual(
      update(table('t'), [remove('t', 'a')], eq(path('t', 'id'), int('1'))),
    );
    expect(parsePartiql('UPDATE t SET a = 1 REMOVE b SET c = 2')).toEqual(
      update(table('t'), [set(int('1'), 'a'), remove('b'), set(int('2'), 'c')], null),
    );
  });

  it("reads QLDB's FROM-form as an update, parameters numbered as written", () => {
    const where = eq(path('c', 'id'), param(0));
    expect(parsePartiql('FROM commitments AS c WHERE c.id = ? SET c.status = ?')).toEqual(
      update(table('commitments', 'c'), [set(param(1), 'c', 'status')], where),
    );
    expect(parsePartiql('FROM commitments AS c WHERE c.id = ? REMOVE c.x')).toEqual(
      update(table('commitments', 'c'), [remove('c', 'x')], where),
    );
  });

  it('reads DELETE with and without alias and BY', () => {
    expect(parsePartiql('DELETE FROM commitments AS c BY d WHERE c.id = ?')).toEqual({
      ...table('commitments', 'c', 'd'),
      kind: 'delete',
      where: eq(path('c', 'id'), param(0)),
    });
    expect(parsePartiql('delete from commitments;')).toEqual({
      ...table('commitments'),
      kind: 'delete',
      where: null,
    });
  });
});
