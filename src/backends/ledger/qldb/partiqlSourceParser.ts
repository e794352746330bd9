import type { ParserMethod } from 'chevrotain';
import type { Expr, Source } from './partiqlAst.ts';
import { unsupported } from './partiqlErrors.ts';
import { PartiqlExpressionParser } from './partiqlExpressionParser.ts';
import { As, By, Comma, Dot, LParen, RParen, Where } from './partiqlLexer.ts';

/** The table an UPDATE, DELETE or FROM-form statement changes. */
export interface Target {
  table: string;
  alias: string | null;
  byId: string | null;
}

/** The prefix QLDB gives a table's committed view: `_ql_committed_commitments`. */
const COMMITTED_PREFIX = '_ql_committed_';

/** What `FROM name` ranges over: a table, or its committed view. */
function namedTable(name: string): Source {
  return name.startsWith(COMMITTED_PREFIX) && name.length > COMMITTED_PREFIX.length
    ? { kind: 'committed', table: name.slice(COMMITTED_PREFIX.length), alias: null }
    : { kind: 'table', table: name, alias: null, byId: null };
}

/** A source with its alias and BY name; BY names a document id, so only a table has one. */
function withNames(source: Source, alias: string | null, byId: string | null): Source {
  if (source.kind === 'table') return { ...source, alias, byId };
  if (byId !== null) throw unsupported(`BY on ${source.kind === 'history' ? 'history()' : 'a system view'}`);
  return { ...source, alias };
}

/**
 * What statements range over and change: FROM sources (a table, its committed view, history(),
 * information_schema.user_tables), aliases, BY names and WHERE. The statement parser extends it.
 */
export class PartiqlSourceParser extends PartiqlExpressionParser {
  /** `[AS] name`, or null when there is none. */
  readonly alias: ParserMethod<[], string | null> = this.RULE('alias', (): string | null => {
    const alias = this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(As));
      return this.SUBRULE(this.identifier);
    });
    return alias ?? null;
  });

  /** `BY name`, or null when there is none. */
  readonly byClause: ParserMethod<[], string | null> = this.RULE('byClause', (): string | null => {
    const byId = this.OPTION(() => {
      this.CONSUME(By);
      return this.SUBRULE(this.identifier);
    });
    return byId ?? null;
  });

  readonly whereClause: ParserMethod<[], Expr | null> = this.RULE('whereClause', (): Expr | null => {
    const where = this.OPTION(() => {
      this.CONSUME(Where);
      return this.SUBRULE(this.expression);
    });
    return where ?? null;
  });

  /** A comma after the FROM source is a join, refused. */
  readonly noMoreSources: ParserMethod<[], void> = this.RULE('noMoreSources', (): void => {
    this.OPTION(() => {
      this.CONSUME(Comma);
      this.refuse('a FROM clause with several sources');
    });
  });

  /** A table, its committed view, history(table [, start [, end]]) or information_schema.user_tables. */
  readonly source: ParserMethod<[], Source> = this.RULE('source', (): Source => {
    const source = this.OR({
      ERR_MSG: 'a table name',
      DEF: [
        { ALT: () => this.SUBRULE(this.namedSource) },
        {
          ALT: (): Source => {
            this.CONSUME(LParen);
            this.refuse('a subquery');
            return namedTable('');
          },
        },
      ],
    });
    const alias = this.SUBRULE(this.alias);
    const byId = this.SUBRULE(this.byClause);
    return this.ACTION(() => withNames(source, alias, byId));
  });

  readonly namedSource: ParserMethod<[], Source> = this.RULE('namedSource', (): Source => {
    const name = this.SUBRULE(this.identifier);
    return this.OR([
      {
        ALT: (): Source => {
          this.CONSUME(LParen);
          this.ACTION(() => {
            if (name.toLowerCase() !== 'history') throw unsupported(`the function call ${name}(...)`);
          });
          const table = this.SUBRULE2(this.identifier);
          const start = this.OPTION(() => {
            this.CONSUME(Comma);
            return this.SUBRULE(this.expression);
          });
          const end = this.OPTION2(() => {
            this.CONSUME2(Comma);
            return this.SUBRULE2(this.expression);
          });
          this.CONSUME(RParen);
          return { kind: 'history', table, start: start ?? null, end: end ?? null, alias: null };
        },
      },
      {
        ALT: (): Source => {
          this.CONSUME(Dot);
          const view = this.SUBRULE(this.fieldName);
          this.ACTION(() => {
            if (name !== 'information_schema' || view !== 'user_tables') {
              throw unsupported(`FROM over the path ${name}.${view}`);
            }
          });
          return { kind: 'userTables', alias: null };
        },
      },
      { ALT: () => this.ACTION(() => namedTable(name)) },
    ]);
  });

  /** `t [AS a] [BY id]`: what UPDATE, DELETE and the FROM-form change. */
  readonly target: ParserMethod<[], Target> = this.RULE('target', (): Target => {
    const table = this.SUBRULE(this.identifier);
    return { table, alias: this.SUBRULE(this.alias), byId: this.SUBRULE(this.byClause) };
  });
}
