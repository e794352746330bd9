import type { ParserMethod } from 'chevrotain';
import type { CompareOp, Expr } from './partiqlAst.ts';
import {
  And,
  ArithmeticOperator,
  BangEqual,
  Equal,
  Greater,
  GreaterEqual,
  In,
  Is,
  Less,
  LessEqual,
  LParen,
  Missing,
  Not,
  NotEqual,
  Null,
  Or,
  RParen,
  Select,
} from './partiqlLexer.ts';
import { PartiqlLiteralParser, RECORDING_ONLY } from './partiqlLiteralParser.ts';

/**
 * The expression half of figway's PartiQL grammar: the OR < AND < NOT < comparison ladder over
 * the literal parser's leaves. The statement parser extends it.
 */
export class PartiqlExpressionParser extends PartiqlLiteralParser {
  override readonly expression: ParserMethod<[], Expr> = this.RULE('expression', (): Expr => {
    let left = this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(Or);
      const right = this.SUBRULE2(this.andExpression);
      left = { kind: 'or', left, right };
    });
    return left;
  });

  readonly andExpression: ParserMethod<[], Expr> = this.RULE('andExpression', (): Expr => {
    let left = this.SUBRULE(this.notExpression);
    this.MANY(() => {
      this.CONSUME(And);
      const right = this.SUBRULE2(this.notExpression);
      left = { kind: 'and', left, right };
    });
    return left;
  });

  /** `NOT NOT x` read in a loop, not by recursion, so no run of NOTs can exhaust the stack. */
  readonly notExpression: ParserMethod<[], Expr> = this.RULE('notExpression', (): Expr => {
    let negations = 0;
    this.MANY(() => {
      this.CONSUME(Not);
      negations++;
    });
    let operand = this.SUBRULE(this.predicate);
    for (let i = 0; i < negations; i++) operand = { kind: 'not', operand };
    return operand;
  });

  readonly predicate: ParserMethod<[], Expr> = this.RULE('predicate', (): Expr => {
    const left = this.SUBRULE(this.operand);
    const tested = this.OPTION(() =>
      this.OR([
        {
          ALT: (): Expr => {
            const op = this.SUBRULE(this.compareOperator);
            return { kind: 'compare', op, left, right: this.SUBRULE2(this.operand) };
          },
        },
        {
          ALT: (): Expr => {
            const negated = this.OPTION2(() => this.CONSUME(Not)) !== undefined;
            this.CONSUME(In);
            return { kind: 'in', value: left, list: this.SUBRULE(this.inList), negated };
          },
        },
        {
          ALT: (): Expr => {
            this.CONSUME(Is);
            const negated = this.OPTION3(() => this.CONSUME2(Not)) !== undefined;
            const test = this.OR2([
              { ALT: () => this.constant(Null, 'null' as const) },
              { ALT: () => this.constant(Missing, 'missing' as const) },
            ]);
            return { kind: 'is', operand: left, test, negated };
          },
        },
      ]),
    );
    return tested ?? left;
  });

  readonly compareOperator: ParserMethod<[], CompareOp> = this.RULE(
    'compareOperator',
    (): CompareOp =>
      this.OR([
        { ALT: () => this.constant(Equal, '=' as const) },
        { ALT: () => this.constant(NotEqual, '<>' as const) },
        { ALT: () => this.constant(BangEqual, '<>' as const) },
        { ALT: () => this.constant(Less, '<' as const) },
        { ALT: () => this.constant(Greater, '>' as const) },
        { ALT: () => this.constant(LessEqual, '<=' as const) },
        { ALT: () => this.constant(GreaterEqual, '>=' as const) },
      ]),
  );

  /** After IN: `(a, b)` (a list), `?`, `[a, b]`, `<<a, b>>` or a path. */
  readonly inList: ParserMethod<[], Expr> = this.RULE(
    'inList',
    (): Expr =>
      this.OR({
        ERR_MSG: "'(', '?', '[', '<<' or a path",
        DEF: [
          {
            ALT: (): Expr => {
              this.CONSUME(LParen);
              const items = this.SUBRULE(this.expressionList);
              this.CONSUME(RParen);
              return { kind: 'list', items };
            },
          },
          { ALT: () => this.SUBRULE(this.parameter) },
          { ALT: () => this.SUBRULE(this.listLiteral) },
          { ALT: () => this.SUBRULE(this.bagLiteral) },
          { ALT: (): Expr => ({ kind: 'path', path: this.SUBRULE(this.path) }) },
        ],
      }),
  );

  /** An operand of a comparison; an arithmetic operator after it is refused by name. */
  readonly operand: ParserMethod<[], Expr> = this.RULE('operand', (): Expr => {
    const value = this.SUBRULE(this.primary);
    this.OPTION(() => {
      const op = this.CONSUME(ArithmeticOperator).image;
      this.refuse(op === '||' ? 'the concatenation operator ||' : `the arithmetic operator ${op}`);
    });
    return value;
  });

  readonly primary: ParserMethod<[], Expr> = this.RULE(
    'primary',
    (): Expr =>
      this.OR({
        ERR_MSG: 'an expression',
        DEF: [
          { ALT: (): Expr => ({ kind: 'literal', literal: this.SUBRULE(this.literal) }) },
          { ALT: () => this.SUBRULE(this.parameter) },
          { ALT: () => this.SUBRULE(this.structLiteral) },
          { ALT: () => this.SUBRULE(this.listLiteral) },
          { ALT: () => this.SUBRULE(this.bagLiteral) },
          {
            ALT: () => {
              this.CONSUME(LParen);
              const inner = this.SUBRULE(this.expression);
              this.CONSUME(RParen);
              return inner;
            },
          },
          { ALT: (): Expr => ({ kind: 'path', path: this.SUBRULE(this.path) }) },
          {
            ALT: () => {
              this.CONSUME(Select);
              this.refuse('a subquery');
              return RECORDING_ONLY;
            },
          },
        ],
      }),
  );
}
