import type { IToken } from 'chevrotain';
import type { Statement } from './partiqlAst.ts';
import {
  describeLexingError,
  describeParseError,
  syntaxErrorAt,
  syntaxErrorAtToken,
} from './partiqlErrors.ts';
import {
  GreaterGreater,
  LBracket,
  LCurly,
  LessLess,
  LParen,
  partiqlLexer,
  RBracket,
  RCurly,
  RParen,
  UnclosedComment,
} from './partiqlLexer.ts';
import { PartiqlParser } from './partiqlParser.ts';

/** The largest statement accepted, in UTF-8 bytes; a larger one is refused before it is read. */
export const MAX_STATEMENT_BYTES = 128 * 1024;

/**
 * How deep brackets, parentheses, structs and bags may nest. The parser recurses once per
 * level, so an unbounded depth could exhaust the stack; 64 matches the shadow comparison's bound.
 */
export const MAX_NESTING = 64;

/** Built once: chevrotain's grammar analysis is the slow part, and the parser is reusable. */
const parser = new PartiqlParser();

const OPENERS = new Set([LParen, LBracket, LCurly, LessLess]);
const CLOSERS = new Set([RParen, RBracket, RCurly, GreaterGreater]);

function refuseOversized(text: string): void {
  // text.length first: it bounds the byte length from below without reading 10 MB.
  if (text.length > MAX_STATEMENT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_STATEMENT_BYTES) {
    throw syntaxErrorAt(
      1,
      1,
      `the statement is longer than ${MAX_STATEMENT_BYTES} bytes (128 KiB), the most figway's ledger accepts`,
    );
  }
}

/** Refuses a statement whose brackets nest deeper than MAX_NESTING, before the parser recurses. */
function refuseDeepNesting(tokens: IToken[]): void {
  let depth = 0;
  for (const token of tokens) {
    if (OPENERS.has(token.tokenType)) {
      depth++;
      if (depth > MAX_NESTING) {
        throw syntaxErrorAtToken(token, `brackets nest deeper than ${MAX_NESTING} levels`);
      }
    } else if (CLOSERS.has(token.tokenType)) {
      depth = Math.max(0, depth - 1);
    }
  }
}

/**
 * Reads one statement of the PartiQL subset QLDB applications use. Throws PartiqlSyntaxError
 * (with line:column) for text that is not PartiQL, is cut short or is over 128 KiB, and
 * UnsupportedStatementError naming the construct for real PartiQL outside the subset.
 */
export function parsePartiql(text: string): Statement {
  refuseOversized(text);
  const lexed = partiqlLexer.tokenize(text);
  const lexingError = lexed.errors[0];
  if (lexingError !== undefined) throw describeLexingError(lexingError, text);
  const last = lexed.tokens.at(-1);
  if (last?.tokenType === UnclosedComment) throw syntaxErrorAtToken(last, 'a block comment is never closed');
  refuseDeepNesting(lexed.tokens);
  // Setting input resets the parser (and its parameter count); chevrotain pads this array with EOFs.
  const tokens = [...lexed.tokens];
  parser.input = lexed.tokens;
  const statement = parser.statement();
  const parseError = parser.errors[0];
  if (parseError !== undefined) throw describeParseError(parseError, tokens, text);
  return statement;
}
