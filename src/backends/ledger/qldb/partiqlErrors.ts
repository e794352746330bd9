import {
  EOF,
  type ILexingError,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType,
  tokenLabel,
} from 'chevrotain';
import { PartiqlSyntaxError, UnsupportedStatementError } from './partiqlAst.ts';
import { Semicolon, unsupportedConstruct } from './partiqlLexer.ts';

/** Expected-token lists longer than this are cut, so that a message stays one short line. */
const MAX_EXPECTED = 6;
/** A found token's text longer than this is cut in messages (a string literal may be 100 KiB). */
const MAX_FOUND = 40;

/** The error for a construct of real PartiQL the subset refuses, named: `ORDER BY`. */
export function unsupported(construct: string): UnsupportedStatementError {
  return new UnsupportedStatementError(`${construct} is not supported by figway's ledger`);
}

/** A syntax error at a line and column (both 1-based). */
export function syntaxErrorAt(line: number, column: number, detail: string): PartiqlSyntaxError {
  return new PartiqlSyntaxError(`PartiQL syntax error at ${line}:${column}: ${detail}`);
}

/** A syntax error at a token. */
export function syntaxErrorAtToken(token: IToken, detail: string): PartiqlSyntaxError {
  return syntaxErrorAt(token.startLine ?? 1, token.startColumn ?? 1, detail);
}

/** The line and column (1-based) of the end of the text, where a statement cut short stops. */
function endOf(text: string): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: text.length - lineStart + 1 };
}

function describeFound(image: string): string {
  const shown = image.length > MAX_FOUND ? `${image.slice(0, MAX_FOUND)}…` : image;
  return `found ${JSON.stringify(shown)}`;
}

function expectedOneOf(tokenTypes: Array<TokenType | undefined>): string {
  const labels = [...new Set(tokenTypes.flatMap((type) => (type === undefined ? [] : [tokenLabel(type)])))];
  if (labels.length === 0) return 'expected something else';
  const shown = labels.length > MAX_EXPECTED ? [...labels.slice(0, MAX_EXPECTED), 'others'] : labels;
  const last = shown.pop();
  return shown.length === 0 ? `expected ${last}` : `expected ${shown.join(', ')} or ${last}`;
}

/** chevrotain's messages cut to what was expected; parsePartiql adds where and what was found. */
export const partiqlErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => `expected ${tokenLabel(expected)}`,
  buildNotAllInputParsedMessage: () => 'expected the end of the statement',
  buildNoViableAltMessage: ({ expectedPathsPerAlt, customUserDescription }) =>
    customUserDescription !== undefined
      ? `expected ${customUserDescription}`
      : expectedOneOf(expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0]))),
  buildEarlyExitMessage: ({ expectedIterationPaths, customUserDescription }) =>
    customUserDescription !== undefined
      ? `expected ${customUserDescription}`
      : expectedOneOf(expectedIterationPaths.map((path) => path[0])),
};

/** The error for the lexer's first complaint: a character no token begins with, or a quote never closed. */
export function describeLexingError(error: ILexingError, text: string): PartiqlSyntaxError {
  const char = text[error.offset] ?? '';
  const line = error.line ?? 1;
  const column = error.column ?? 1;
  switch (char) {
    case "'":
      return syntaxErrorAt(line, column, 'a string literal is never closed');
    case '"':
      return syntaxErrorAt(line, column, 'a quoted name is never closed');
    case '`':
      return syntaxErrorAt(line, column, 'an Ion literal is never closed');
    default:
      return syntaxErrorAt(line, column, `unexpected character ${JSON.stringify(char)}`);
  }
}

/**
 * The error for the parser's first complaint: unsupported when it stopped at a keyword the subset
 * refuses or at a second statement, a syntax error otherwise.
 */
export function describeParseError(
  error: IRecognitionException,
  tokens: IToken[],
  text: string,
): PartiqlSyntaxError | UnsupportedStatementError {
  const found = error.token;
  if (found.tokenType === EOF) {
    if (tokens.length === 0) return syntaxErrorAt(1, 1, 'the statement is empty');
    const end = endOf(text);
    return syntaxErrorAt(end.line, end.column, `the statement ends early, ${error.message}`);
  }
  const construct = unsupportedConstruct(found.tokenType);
  if (construct !== undefined) return unsupported(construct);
  if (
    error.name === 'NotAllInputParsedException' &&
    tokens[tokens.indexOf(found) - 1]?.tokenType === Semicolon
  ) {
    return unsupported('more than one statement');
  }
  return syntaxErrorAtToken(found, `${describeFound(found.image)}, ${error.message}`);
}
