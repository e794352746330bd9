import { EmbeddedActionsParser, type IToken, type ParserMethod, type TokenType } from 'chevrotain';
import type { Expr, Literal, Path, PathStep } from './partiqlAst.ts';
import { partiqlErrorMessages, syntaxErrorAtToken, unsupported } from './partiqlErrors.ts';
import {
  Colon,
  Comma,
  DecimalLiteral,
  Dot,
  False,
  FloatLiteral,
  GreaterGreater,
  Identifier,
  IntLiteral,
  IonLiteral,
  Keyword,
  LBracket,
  LCurly,
  LessLess,
  LParen,
  Minus,
  Missing,
  Null,
  partiqlTokens,
  Question,
  QuotedIdentifier,
  RBracket,
  RCurly,
  Star,
  StringLiteral,
  True,
} from './partiqlLexer.ts';

/** The text between a literal's quotes, each doubled quote read as one. */
function unquote(image: string, quote: string): string {
  return image.slice(1, -1).replaceAll(quote + quote, quote);
}

/**
 * What a refusing alternative hands back while chevrotain records the grammar; once parsing,
 * the refusal throws before anything is returned.
 */
export const RECORDING_ONLY: Expr = { kind: 'literal', literal: { type: 'missing' } };

/**
 * The leaves of figway's PartiQL grammar: names, literals, parameters, struct, list and bag
 * literals, and paths. The expression parser extends it with the operators.
 */
export class PartiqlLiteralParser extends EmbeddedActionsParser {
  /** Defined by the expression parser; struct, list and bag items are full expressions. */
  declare readonly expression: ParserMethod<[], Expr>;

  /** `?` parameters seen so far in the statement being parsed: the next one's index. */
  private parameterCount = 0;

  constructor() {
    super(partiqlTokens, {
      recoveryEnabled: false,
      maxLookahead: 2,
      errorMessageProvider: partiqlErrorMessages,
    });
  }

  /** Forgets the previous statement, chevrotain's state and the parameter count both. */
  override reset(): void {
    super.reset();
    this.parameterCount = 0;
  }

  /** Consumes a token that stands for a constant, and gives the constant. */
  protected constant<T>(tokenType: TokenType, value: T): T {
    this.CONSUME(tokenType);
    return value;
  }

  /** Throws the unsupported-construct error, except while chevrotain records the grammar. */
  protected refuse(construct: string): void {
    this.ACTION(() => {
      throw unsupported(construct);
    });
  }

  /** A name: bare (as written) or double-quoted. */
  readonly identifier: ParserMethod<[], string> = this.RULE('identifier', (): string =>
    this.OR({
      ERR_MSG: 'a name',
      DEF: [
        { ALT: () => this.CONSUME(Identifier).image },
        { ALT: () => unquote(this.CONSUME(QuotedIdentifier).image, '"') },
      ],
    }),
  );

  /** A field name after `.` or as a struct key, where keywords are names too. */
  readonly fieldName: ParserMethod<[], string> = this.RULE('fieldName', (): string =>
    this.OR({
      ERR_MSG: 'a field name',
      DEF: [{ ALT: () => this.SUBRULE(this.identifier) }, { ALT: () => this.CONSUME(Keyword).image }],
    }),
  );

  readonly parameter: ParserMethod<[], Expr> = this.RULE('parameter', (): Expr => {
    this.CONSUME(Question);
    return { kind: 'parameter', index: this.parameterCount++ };
  });

  readonly literal: ParserMethod<[], Literal> = this.RULE(
    'literal',
    (): Literal =>
      this.OR([
        { ALT: (): Literal => ({ type: 'string', value: unquote(this.CONSUME(StringLiteral).image, "'") }) },
        { ALT: () => this.SUBRULE(this.numberLiteral) },
        { ALT: (): Literal => this.constant(True, { type: 'bool', value: true }) },
        { ALT: (): Literal => this.constant(False, { type: 'bool', value: false }) },
        { ALT: (): Literal => this.constant(Null, { type: 'null' }) },
        { ALT: (): Literal => this.constant(Missing, { type: 'missing' }) },
        { ALT: (): Literal => ({ type: 'ion', text: this.CONSUME(IonLiteral).image.slice(1, -1) }) },
      ]),
  );

  /** A number as written, with an optional leading minus: `12` int, `1.5` decimal, `2e3` float. */
  readonly numberLiteral: ParserMethod<[], Literal> = this.RULE('numberLiteral', (): Literal => {
    const sign = this.OPTION(() => this.CONSUME(Minus)) === undefined ? '' : '-';
    return this.OR([
      { ALT: (): Literal => ({ type: 'int', text: sign + this.CONSUME(IntLiteral).image }) },
      { ALT: (): Literal => ({ type: 'decimal', text: sign + this.CONSUME(DecimalLiteral).image }) },
      { ALT: (): Literal => ({ type: 'float', text: sign + this.CONSUME(FloatLiteral).image }) },
    ]);
  });

  /** `{'id': ?, name: 'x'}`: keys as string literals or bare names. */
  readonly structLiteral: ParserMethod<[], Expr> = this.RULE('structLiteral', (): Expr => {
    const fields: Array<{ name: string; value: Expr }> = [];
    this.CONSUME(LCurly);
    this.MANY_SEP({
      SEP: Comma,
      DEF: () => {
        const name = this.OR([
          { ALT: () => unquote(this.CONSUME(StringLiteral).image, "'") },
          { ALT: () => this.SUBRULE(this.fieldName) },
        ]);
        this.CONSUME(Colon);
        fields.push({ name, value: this.SUBRULE(this.expression) });
      },
    });
    this.CONSUME(RCurly);
    return { kind: 'struct', fields };
  });

  readonly listLiteral: ParserMethod<[], Expr> = this.RULE('listLiteral', (): Expr => {
    this.CONSUME(LBracket);
    const items = this.OPTION(() => this.SUBRULE(this.expressionList)) ?? [];
    this.CONSUME(RBracket);
    return { kind: 'list', items };
  });

  readonly bagLiteral: ParserMethod<[], Expr> = this.RULE('bagLiteral', (): Expr => {
    this.CONSUME(LessLess);
    const items = this.OPTION(() => this.SUBRULE(this.expressionList)) ?? [];
    this.CONSUME(GreaterGreater);
    return { kind: 'bag', items };
  });

  readonly expressionList: ParserMethod<[], Expr[]> = this.RULE('expressionList', (): Expr[] => {
    const items: Expr[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => items.push(this.SUBRULE(this.expression)) });
    return items;
  });

  /** `c.parties[0].role`, `a['b']`, `a[*]`; a name followed by `(` is a function call, refused. */
  readonly path: ParserMethod<[], Path> = this.RULE('path', (): Path => {
    const root = this.SUBRULE(this.identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.refuse(`the function call ${root}(...)`);
    });
    const steps: PathStep[] = [];
    this.MANY(() => steps.push(this.SUBRULE(this.pathStep)));
    return { root, steps };
  });

  readonly pathStep: ParserMethod<[], PathStep> = this.RULE(
    'pathStep',
    (): PathStep =>
      this.OR([
        {
          ALT: (): PathStep => {
            this.CONSUME(Dot);
            return { kind: 'field', name: this.SUBRULE(this.fieldName) };
          },
        },
        {
          ALT: (): PathStep => {
            this.CONSUME(LBracket);
            const step = this.OR2({
              ERR_MSG: "a position, a 'name' or '*'",
              DEF: [
                { ALT: (): PathStep => ({ kind: 'index', index: this.position(this.CONSUME(IntLiteral)) }) },
                {
                  ALT: (): PathStep => ({
                    kind: 'field',
                    name: unquote(this.CONSUME(StringLiteral).image, "'"),
                  }),
                },
                { ALT: (): PathStep => this.constant(Star, { kind: 'wildcard' }) },
              ],
            });
            this.CONSUME(RBracket);
            return step;
          },
        },
      ]),
  );

  /** A list position as a number; one too large to be exact is a syntax error. */
  private position(token: IToken): number {
    const index = Number(token.image);
    if (!this.RECORDING_PHASE && !Number.isSafeInteger(index)) {
      throw syntaxErrorAtToken(token, `the position ${token.image} is too large`);
    }
    return index;
  }
}
