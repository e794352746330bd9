import { describe, expect, it } from 'vitest';
import { MAX_STATEMENT_BYTES, parsePartiql } from '../../../../src/backends/ledger/qldb/parsePartiql.ts';
import {
  PartiqlSyntaxError,
  UnsupportedStatementError,
} from '../../../../src/backends/ledger/qldb/partiqlAst.ts';

/** What parsePartiql throws for `text`. */
function failure(text: string): Error {
  try {
    parsePartiql(text);
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parsePartiql: errors (partiqlErrors)', () => {
  it.each<[string, string]>([
    ['hello world', '1:1: found "hello", expected SELECT, INSERT, UPDATE, DELETE, FROM, CREATE or DROP'],
    ['SELECT * FROM commitments WHERE id =', '1:37: the statement ends early, expected an expression'],
    ['INSERT INTO', '1:12: the statement ends early, expected a name'],
    ['SELECT *\nFROM t\nWHERE id = = 1', '3:12: found "=", expected an expression'],
    ["SELECT * FROM t WHERE a = 'open", '1:27: a string literal is never closed'],
    ['SELECT * FROM "open', '1:15: a quoted name is never closed'],
    ['INSERT INTO t `{a: "`}', '1:15: an Ion literal is never closed'],
    ['SELECT * FROM t /* open', '1:17: a block comment is never closed'],
    ['SELECT * FROM t WHERE a ~ 1', '1:25: unexpected character "~"'],
    [
      'SELECT * FROM t WHERE a[99999999999999999999] = 1',
      '1:25: the position 99999999999999999999 is too large',
    ],
    ['   ', '1:1: the statement is empty'],
  ])('refuses %j as a syntax error saying where', (text, message) => {
    const error = failure(text);
    expect(error).toBeInstanceOf(PartiqlSyntaxError);
    expect(error.message).toBe(`PartiQL syntax error at ${message}`);
  });

  it.each<[string, string]>([
    ['SELECT * FROM a JOIN b ON a.x = b.x', 'JOIN'],
    ['SELECT * FROM a LEFT OUTER JOIN b ON a.x = b.x', 'JOIN'],
    ['SELECT * FROM a AS x, x.parties AS p', 'a FROM clause with several sources'],
    ['SELECT a FROM t GROUP BY a', 'GROUP BY'],
    ['SELECT * FROM t WHERE a = 1 ORDER BY a', 'ORDER BY'],
    ['SELECT * FROM t LIMIT 1', 'LIMIT'],
    ['SELECT * FROM t OFFSET 1', 'OFFSET'],
    ['SELECT DISTINCT a FROM t', 'DISTINCT'],
    ['SELECT * FROM t WHERE a IN (SELECT b FROM u)', 'a subquery'],
    ['SELECT * FROM (SELECT * FROM t)', 'a subquery'],
    ['SELECT COUNT(*) FROM t', 'the function call COUNT(...)'],
    ['SELECT * FROM t WHERE EXISTS(SELECT * FROM u)', 'the function call EXISTS(...)'],
    ['SELECT * FROM t WHERE size(t.parties) > 1', 'the function call size(...)'],
    ["SELECT * FROM t WHERE a LIKE 'x%'", 'LIKE'],
    ["SELECT * FROM t WHERE a NOT LIKE 'x%'", 'LIKE'],
    ['SELECT * FROM t WHERE a BETWEEN 1 AND 2', 'BETWEEN'],
    ['SELECT a + 1 FROM t', 'the arithmetic operator +'],
    ['SELECT * FROM t WHERE a = b - 1', 'the arithmetic operator -'],
    ['SELECT a * 2 FROM t', 'the arithmetic operator *'],
    ['SELECT a / 2 FROM t', 'the arithmetic operator /'],
    ["SELECT a || 'x' FROM t", 'the concatenation operator ||'],
    ['UNDROP TABLE "tableId"', 'UNDROP TABLE'],
    ['CREATE TABLE t WITH (aws_tags = `{}`)', 'CREATE TABLE ... WITH'],
    ['PIVOT v AT k FROM t', 'PIVOT'],
    ['SELECT * FROM UNPIVOT t', 'UNPIVOT'],
    ["EXEC redact_revision `{}`, 'x', 'y'", 'EXEC'],
    ['SELECT * FROM t; DROP TABLE t', 'more than one statement'],
    ['SELECT * FROM history(t) AS h BY id', 'BY on history()'],
  ])('refuses %j naming the construct', (text, construct) => {
    const error = failure(text);
    expect(error).toBeInstanceOf(UnsupportedStatementError);
    expect(error.message).toBe(`${construct} is not supported by figway's ledger`);
  });

  it('refuses many unclosed comments and quotes', () => {
    expect(failure('/* '.repeat(40_000)).message).toBe(
      'PartiQL syntax error at 1:1: a block comment is never closed',
    );
    expect(failure(`SELECT * FROM t WHERE a = ${"'x".repeat(60_000)}`)).toBeInstanceOf(PartiqlSyntaxError);
  });

  it('refuses a 10 MB statement, saying the limit', () => {
    const error = failure(`INSERT INTO t VALUE '${'x'.repeat(10 * 1024 * 1024)}'`);
    expect(error).toBeInstanceOf(PartiqlSyntaxError);
    expect(error.message).toMatch(/longer than 131072 bytes \(128 KiB\)/);
  });

  it('counts the limit in UTF-8 bytes and accepts a statement of exactly 128 KiB', () => {
    const prefix = "INSERT INTO t VALUE '";
    const fill = MAX_STATEMENT_BYTES - prefix.length - 1;
    expect(parsePartiql(`${prefix}${'x'.repeat(fill)}'`)).toMatchObject({ kind: 'insert' });
    expect(failure(`${prefix}${'é'.repeat(fill / 2 + 1)}'`)).toBeInstanceOf(PartiqlSyntaxError);
  });

  it('refuses nesting deeper than 64 levels, and reads long runs of NOT without recursion', () => {
    expect(parsePartiql(`INSERT INTO t ${'['.repeat(64)}${']'.repeat(64)}`)).toMatchObject({
      kind: 'insert',
    });
    const deep = failure(`INSERT INTO t ${'['.repeat(65)}${']'.repeat(65)}`);
    expect(deep.message).toBe('PartiQL syntax error at 1:79: brackets nest deeper than 64 levels');
    expect(parsePartiql(`SELECT * FROM t WHERE ${'NOT '.repeat(20_000)}a = 1`)).toMatchObject({
      kind: 'select',
    });
  });

  it('reads the next statement afresh after a refusal', () => {
    expect(failure('SELECT * FROM t WHERE a = ? AND b IN (SELECT c FROM u)')).toBeInstanceOf(
      UnsupportedStatementError,
    );
    expect(parsePartiql('SELECT * FROM t WHERE a = ?')).toMatchObject({
      where: { kind: 'compare', right: { kind: 'parameter', index: 0 } },
    });
  });
});
