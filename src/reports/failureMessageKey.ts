/** What a candidate failure without a message (a timeout, usually) is grouped under. */
export const NO_MESSAGE = '(no message)';

/** The longest message key kept; longer messages are grouped by their first this many characters. */
export const MESSAGE_KEY_LENGTH = 500;

/** How {@link failureMessageKeySql} rewrites a message, in order, for people (the page says it). */
export const MESSAGE_KEY_RULES =
  'timestamps become <time>, uuids <uuid>, words holding both letters and digits <id>, other numbers <n>';

// No backslash anywhere, so the patterns mean the same whatever standard_conforming_strings says.
const D = '[[:digit:]]';

// Applied innermost first. PostgreSQL's regular expressions (ARE), as in PGlite: `(?<!…)`
// keeps the id rule from starting inside a word, the two lookaheads ask for a letter and a
// digit within the same word, so `ledger-2` and `c0mm1t` are ids and `foo-bar` is not.
const RULES: ReadonlyArray<[pattern: string, replacement: string]> = [
  [`${D}{4}-${D}{2}-${D}{2}([T ]${D}{2}:${D}{2}(:${D}{2}([.]${D}+)?)?(Z|[+-]${D}{2}:?${D}{2})?)?`, '<time>'],
  ['[[:alnum:]]{8}-[[:alnum:]]{4}-[[:alnum:]]{4}-[[:alnum:]]{4}-[[:alnum:]]{12}', '<uuid>'],
  ['(?<![[:alnum:]_-])(?=[[:alnum:]_-]*[[:alpha:]])(?=[[:alnum:]_-]*[[:digit:]])[[:alnum:]_-]+', '<id>'],
  ['[[:digit:]]+', '<n>'],
];

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * A SQL expression that turns the message in `column` (a candidate error) into the key
 * failures are grouped by: {@link MESSAGE_KEY_RULES}, so "Commitment 5f0c…-…7 is not in
 * the target backend." of every commitment is one group; a null message is
 * {@link NO_MESSAGE}. `column` is written into the SQL as it is: pass a column name,
 * never input.
 */
export function failureMessageKeySql(column: string): string {
  let expression = column;
  for (const [pattern, replacement] of RULES)
    expression = `regexp_replace(${expression}, ${literal(pattern)}, ${literal(replacement)}, 'g')`;
  return `coalesce(left(${expression}, ${MESSAGE_KEY_LENGTH}), ${literal(NO_MESSAGE)})`;
}
