import { type CustomPatternMatcherReturn, createToken, Lexer, type TokenType } from 'chevrotain';

/**
 * The tokens of the PartiQL subset and the chevrotain lexer that reads them. Keywords are
 * case-insensitive; a keyword the subset never accepts (ORDER, JOIN, LIKE...) is still a token,
 * so that a statement using it is refused by name rather than as gibberish.
 */

/** A bare name: a table, an alias, a field. Case-sensitive. */
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_$][A-Za-z0-9_$]*/,
  label: 'a name',
});
/** Every keyword; after a `.` or as a struct key a keyword is a field name. */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA, label: 'a keyword' });
/** A keyword of real PartiQL that the subset refuses. */
export const Unsupported = createToken({ name: 'Unsupported', pattern: Lexer.NA });
/** `+ - * / % ||`: PartiQL has them, the subset does not. */
export const ArithmeticOperator = createToken({ name: 'ArithmeticOperator', pattern: Lexer.NA });

const keywords: TokenType[] = [];
const constructs = new Map<TokenType, string>();

function keyword(word: string, construct?: string): TokenType {
  const token = createToken({
    name: word,
    label: word,
    pattern: new RegExp(word.toLowerCase(), 'i'),
    longer_alt: Identifier,
    categories: construct === undefined ? [Keyword] : [Keyword, Unsupported],
  });
  keywords.push(token);
  if (construct !== undefined) constructs.set(token, construct);
  return token;
}

export const Select = keyword('SELECT');
export const Value = keyword('VALUE');
export const From = keyword('FROM');
export const Where = keyword('WHERE');
export const As = keyword('AS');
export const By = keyword('BY');
export const Insert = keyword('INSERT');
export const Into = keyword('INTO');
export const Update = keyword('UPDATE');
export const SetKeyword = keyword('SET');
export const Remove = keyword('REMOVE');
export const Delete = keyword('DELETE');
export const Create = keyword('CREATE');
export const Drop = keyword('DROP');
export const Table = keyword('TABLE');
export const Index = keyword('INDEX');
export const On = keyword('ON');
export const And = keyword('AND');
export const Or = keyword('OR');
export const Not = keyword('NOT');
export const In = keyword('IN');
export const Is = keyword('IS');
export const Null = keyword('NULL');
export const Missing = keyword('MISSING');
export const True = keyword('TRUE');
export const False = keyword('FALSE');
export const With = keyword('WITH', 'WITH');

for (const word of ['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS']) keyword(word, 'JOIN');
keyword('GROUP', 'GROUP BY');
keyword('HAVING', 'HAVING');
keyword('ORDER', 'ORDER BY');
keyword('LIMIT', 'LIMIT');
keyword('OFFSET', 'OFFSET');
keyword('DISTINCT', 'DISTINCT');
keyword('LIKE', 'LIKE');
keyword('BETWEEN', 'BETWEEN');
keyword('UNDROP', 'UNDROP TABLE');
keyword('PIVOT', 'PIVOT');
keyword('UNPIVOT', 'UNPIVOT');
keyword('EXEC', 'EXEC');
keyword('UNION', 'UNION');
keyword('INTERSECT', 'INTERSECT');
keyword('EXCEPT', 'EXCEPT');
keyword('CASE', 'CASE');
keyword('LET', 'LET');
keyword('AT', 'AT');

/** `"name"`: a name that may hold any character; `""` is a quote. */
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /"(?:[^"]|"")*"/,
  line_breaks: true,
  label: 'a "quoted name"',
});
/** `'text'`; `''` is a quote. */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /'(?:[^']|'')*'/,
  line_breaks: true,
  label: 'a string',
});

/** Skips an Ion string or symbol opened at `start`; the offset after it, or -1 when it never closes. */
function skipIonQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === quote) return i + 1;
  }
  return -1;
}

/** A backtick literal, whose Ion text may hold backticks inside its own strings and symbols. */
function matchIonLiteral(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text[offset] !== '`') return null;
  let i = offset + 1;
  while (i < text.length) {
    const char = text[i];
    if (char === '`') return [text.slice(offset, i + 1)];
    if (char === '"' || char === "'") {
      i = skipIonQuoted(text, i, char);
      if (i < 0) return null;
    } else {
      i++;
    }
  }
  return null;
}

/** `` `2024-01-01T` ``: Ion text. */
export const IonLiteral = createToken({
  name: 'IonLiteral',
  pattern: matchIonLiteral,
  line_breaks: true,
  start_chars_hint: ['`'],
  label: 'an Ion literal',
});
/** `2e3`: an Ion float. */
export const FloatLiteral = createToken({
  name: 'FloatLiteral',
  pattern: /\d+(?:\.\d+)?[eE][+-]?\d+/,
  label: 'a number',
});
/** `1.5`: an Ion decimal. */
export const DecimalLiteral = createToken({ name: 'DecimalLiteral', pattern: /\d+\.\d+/, label: 'a number' });
/** `12`: an Ion int. */
export const IntLiteral = createToken({ name: 'IntLiteral', pattern: /\d+/, label: 'a number' });

function punctuation(name: string, text: string, categories: TokenType[] = []): TokenType {
  const escaped = text.replace(/[|*+?.()[\]{}<>!=%/-]/g, '\\$&');
  return createToken({ name, pattern: new RegExp(escaped), label: `'${text}'`, categories });
}

export const LessLess = punctuation('LessLess', '<<');
export const GreaterGreater = punctuation('GreaterGreater', '>>');
export const NotEqual = punctuation('NotEqual', '<>');
export const BangEqual = punctuation('BangEqual', '!=');
export const LessEqual = punctuation('LessEqual', '<=');
export const GreaterEqual = punctuation('GreaterEqual', '>=');
export const Concat = punctuation('Concat', '||', [ArithmeticOperator]);
export const Less = punctuation('Less', '<');
export const Greater = punctuation('Greater', '>');
export const Equal = punctuation('Equal', '=');
export const Plus = punctuation('Plus', '+', [ArithmeticOperator]);
export const Minus = punctuation('Minus', '-', [ArithmeticOperator]);
export const Star = punctuation('Star', '*', [ArithmeticOperator]);
export const Slash = punctuation('Slash', '/', [ArithmeticOperator]);
export const Percent = punctuation('Percent', '%', [ArithmeticOperator]);
export const LParen = punctuation('LParen', '(');
export const RParen = punctuation('RParen', ')');
export const LBracket = punctuation('LBracket', '[');
export const RBracket = punctuation('RBracket', ']');
export const LCurly = punctuation('LCurly', '{');
export const RCurly = punctuation('RCurly', '}');
export const Comma = punctuation('Comma', ',');
export const Dot = punctuation('Dot', '.');
export const Colon = punctuation('Colon', ':');
export const Semicolon = punctuation('Semicolon', ';');
export const Question = punctuation('Question', '?');

const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /\s+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/**
 * `/*` with no end: one token to the end of the text, which parsePartiql refuses. Without it each
 * later `/*` would be scanned to the end again, a quadratic lexer on a 128 KiB statement.
 */
export const UnclosedComment = createToken({
  name: 'UnclosedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  label: 'a comment that is never closed',
});

/** Every token type, in the order the lexer tries them (a keyword before any keyword it begins). */
export const partiqlTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnclosedComment,
  ...[...keywords].sort((a, b) => b.name.length - a.name.length),
  Keyword,
  Unsupported,
  ArithmeticOperator,
  Identifier,
  QuotedIdentifier,
  StringLiteral,
  IonLiteral,
  FloatLiteral,
  DecimalLiteral,
  IntLiteral,
  LessLess,
  GreaterGreater,
  NotEqual,
  BangEqual,
  LessEqual,
  GreaterEqual,
  Concat,
  Less,
  Greater,
  Equal,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Comma,
  Dot,
  Colon,
  Semicolon,
  Question,
];

/** The PartiQL lexer, built once per process. */
export const partiqlLexer = new Lexer(partiqlTokens, { ensureOptimizations: true, recoveryEnabled: false });

/** What a refused keyword stands for (`ORDER` -> `ORDER BY`), or undefined for the subset's own tokens. */
export function unsupportedConstruct(tokenType: TokenType): string | undefined {
  return constructs.get(tokenType);
}
