import type { ParserMethod } from 'chevrotain';
import type { Expr, Path, Projection, Statement } from './partiqlAst.ts';
import {
  Comma,
  Create,
  Delete,
  Drop,
  Equal,
  From,
  Index,
  Insert,
  Into,
  LParen,
  On,
  Remove,
  RParen,
  Select,
  Semicolon,
  SetKeyword,
  Star,
  Table,
  Update,
  Value,
  With,
} from './partiqlLexer.ts';
import { PartiqlSourceParser } from './partiqlSourceParser.ts';

/** One SET or REMOVE of an update, in written order. */
type Change = Extract<Statement, { kind: 'update' }>['changes'][number];

/** The statements of the subset: chevrotain rules over the expression parser, one per statement kind. */
export class PartiqlParser extends PartiqlSourceParser {
  constructor() {
    super();
    this.performSelfAnalysis();
  }

  /** One statement and an optional `;`; anything after it is a second statement, refused. */
  readonly statement: ParserMethod<[], Statement> = this.RULE('statement', (): Statement => {
    const statement = this.OR({
      ERR_MSG: 'SELECT, INSERT, UPDATE, DELETE, FROM, CREATE or DROP',
      DEF: [
        { ALT: () => this.SUBRULE(this.selectStatement) },
        { ALT: () => this.SUBRULE(this.insertStatement) },
        { ALT: () => this.SUBRULE(this.updateStatement) },
        { ALT: () => this.SUBRULE(this.deleteStatement) },
        { ALT: () => this.SUBRULE(this.fromStatement) },
        { ALT: () => this.SUBRULE(this.createStatement) },
        { ALT: () => this.SUBRULE(this.dropStatement) },
      ],
    });
    this.OPTION(() => this.CONSUME(Semicolon));
    return statement;
  });

  readonly createStatement: ParserMethod<[], Statement> = this.RULE('createStatement', (): Statement => {
    this.CONSUME(Create);
    return this.OR([
      {
        ALT: (): Statement => {
          this.CONSUME(Table);
          const table = this.SUBRULE(this.identifier);
          this.OPTION(() => {
            this.CONSUME(With);
            this.refuse('CREATE TABLE ... WITH');
          });
          return { kind: 'createTable', table };
        },
      },
      {
        ALT: (): Statement => {
          this.CONSUME(Index);
          this.CONSUME(On);
          const table = this.SUBRULE2(this.identifier);
          this.CONSUME(LParen);
          const field = this.SUBRULE3(this.identifier);
          this.CONSUME(RParen);
          return { kind: 'createIndex', table, field };
        },
      },
    ]);
  });

  readonly dropStatement: ParserMethod<[], Statement> = this.RULE('dropStatement', (): Statement => {
    this.CONSUME(Drop);
    this.OPTION(() => {
      this.CONSUME(Index);
      this.refuse('DROP INDEX');
    });
    this.CONSUME(Table);
    return { kind: 'dropTable', table: this.SUBRULE(this.identifier) };
  });

  /** `INSERT INTO t ?`, `INSERT INTO t VALUE {...}`, `INSERT INTO t << ... >>`. */
  readonly insertStatement: ParserMethod<[], Statement> = this.RULE('insertStatement', (): Statement => {
    this.CONSUME(Insert);
    this.CONSUME(Into);
    const table = this.SUBRULE(this.identifier);
    this.OPTION(() => this.CONSUME(Value));
    return { kind: 'insert', table, value: this.SUBRULE(this.expression) };
  });

  readonly selectStatement: ParserMethod<[], Statement> = this.RULE('selectStatement', (): Statement => {
    this.CONSUME(Select);
    const projection = this.SUBRULE(this.projection);
    this.CONSUME(From);
    const from = this.SUBRULE(this.source);
    this.SUBRULE(this.noMoreSources);
    return { kind: 'select', projection, from, where: this.SUBRULE(this.whereClause) };
  });

  readonly projection: ParserMethod<[], Projection> = this.RULE(
    'projection',
    (): Projection =>
      this.OR({
        ERR_MSG: "'*', VALUE or an expression",
        DEF: [
          { ALT: (): Projection => this.constant(Star, { kind: 'star' }) },
          {
            ALT: (): Projection => {
              this.CONSUME(Value);
              return { kind: 'value', expr: this.SUBRULE(this.expression) };
            },
          },
          {
            ALT: (): Projection => {
              const items: Array<{ expr: Expr; alias: string | null }> = [];
              this.AT_LEAST_ONE_SEP({
                SEP: Comma,
                DEF: () =>
                  items.push({ expr: this.SUBRULE2(this.expression), alias: this.SUBRULE(this.alias) }),
              });
              return { kind: 'items', items };
            },
          },
        ],
      }),
  );

  /** `UPDATE t [AS a] [BY id] SET ... REMOVE ... [WHERE ...]`. */
  readonly updateStatement: ParserMethod<[], Statement> = this.RULE('updateStatement', (): Statement => {
    this.CONSUME(Update);
    const target = this.SUBRULE(this.target);
    const changes = this.SUBRULE(this.changes);
    return { kind: 'update', ...target, changes, where: this.SUBRULE(this.whereClause) };
  });

  /** QLDB's FROM-form: `FROM t [AS a] [BY id] [WHERE ...] SET ... REMOVE ...`, an update. */
  readonly fromStatement: ParserMethod<[], Statement> = this.RULE('fromStatement', (): Statement => {
    this.CONSUME(From);
    const target = this.SUBRULE(this.target);
    this.SUBRULE(this.noMoreSources);
    const where = this.SUBRULE(this.whereClause);
    return { kind: 'update', ...target, changes: this.SUBRULE(this.changes), where };
  });

  readonly deleteStatement: ParserMethod<[], Statement> = this.RULE('deleteStatement', (): Statement => {
    this.CONSUME(Delete);
    this.CONSUME(From);
    const target = this.SUBRULE(this.target);
    this.SUBRULE(this.noMoreSources);
    return { kind: 'delete', ...target, where: this.SUBRULE(this.whereClause) };
  });

  /** SET and REMOVE clauses in written order; an INSERT into a document's path is refused. */
  readonly changes: ParserMethod<[], Change[]> = this.RULE('changes', (): Change[] => {
    const changes: Change[] = [];
    this.AT_LEAST_ONE({
      ERR_MSG: 'SET or REMOVE',
      DEF: () =>
        this.OR([
          {
            ALT: () => {
              this.CONSUME(SetKeyword);
              this.AT_LEAST_ONE_SEP({
                SEP: Comma,
                ERR_MSG: 'a path',
                DEF: () => changes.push(this.SUBRULE(this.assignment)),
              });
            },
          },
          {
            ALT: () => {
              this.CONSUME(Remove);
              this.AT_LEAST_ONE_SEP2({
                SEP: Comma,
                ERR_MSG: 'a path',
                DEF: () => changes.push({ kind: 'remove', path: this.SUBRULE(this.path) }),
              });
            },
          },
          {
            ALT: () => {
              this.CONSUME(Insert);
              this.refuse('INSERT INTO a path of a document');
            },
          },
        ]),
    });
    return changes;
  });

  readonly assignment: ParserMethod<[], Change> = this.RULE('assignment', (): Change => {
    const path: Path = this.SUBRULE(this.path);
    this.CONSUME(Equal);
    return { kind: 'set', path, value: this.SUBRULE(this.expression) };
  });
}
