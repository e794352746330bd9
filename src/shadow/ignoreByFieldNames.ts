import type { SelectionNode } from 'graphql';
import { pathTokens } from './compareValues.ts';
import { type AnsweredBy, fieldsByKey, type Selections, selectionsAnswering } from './fieldNames.ts';

// Where a pattern's keys are kept as written: below a leaf (a scalar's value, a JSON
// object say, whose keys are its own), or past the last field name to look up.
const AS_WRITTEN = null;

function joined(written: string, token: string): string {
  if (token.startsWith('[') || written === '') return `${written}${token}`;
  return `${written}.${token}`;
}

function holdsName(tokens: readonly string[], from: number): boolean {
  for (let i = from; i < tokens.length; i++)
    if (!(tokens[i] as string).startsWith('[') && tokens[i] !== '*') return true;
  return false;
}

// The pattern's tokens from `index` on, spelled with the response keys of the selection
// level `at`, each way they can be spelled added to `out`.
function spell(
  tokens: readonly string[],
  index: number,
  at: readonly SelectionNode[] | typeof AS_WRITTEN,
  selections: Selections,
  written: string,
  out: Set<string>,
): void {
  if (index === tokens.length) {
    out.add(written);
    return;
  }
  const token = tokens[index] as string;
  const next = joined(written, token);
  // A list item stays at the same level of the selection; with no field name left to look
  // up, the rest matches whatever keys the client used.
  if (token.startsWith('[')) spell(tokens, index + 1, at, selections, next, out);
  else if (at === AS_WRITTEN || (token === '*' && !holdsName(tokens, index + 1)))
    spell(tokens, index + 1, AS_WRITTEN, selections, next, out);
  else spellField(tokens, index, at, selections, written, out);
}

// A field name (or `*`) at the selection level `at`: each key that stands for it.
function spellField(
  tokens: readonly string[],
  index: number,
  at: readonly SelectionNode[],
  selections: Selections,
  written: string,
  out: Set<string>,
): void {
  const token = tokens[index] as string;
  // `*` matches one token of the path: a list item as well as a key.
  if (token === '*' && written !== '') spell(tokens, index + 1, at, selections, joined(written, '[*]'), out);
  for (const [key, fields] of fieldsByKey(at, selections.fragments)) {
    // A key standing for different fields under different type conditions is not
    // ignored for the one of them a pattern names: a real difference may lie under it.
    if (token !== '*' && fields.some((field) => field.name.value !== token)) continue;
    const below = fields.every((field) => field.selectionSet === undefined)
      ? AS_WRITTEN
      : fields.flatMap((field) => field.selectionSet?.selections ?? []);
    spell(tokens, index + 1, below, selections, joined(written, key), out);
  }
}

/**
 * A unit's `ignore` patterns, which name fields as the schema does from the operation's
 * root (`commitment.parties[*].profile.updatedAt`), spelled with the response keys the
 * client chose in `selections`: `x.ps[*].p.u` for
 * `{ x: commitment { ps: parties { p: profile { u: updatedAt } } } }`. A pattern naming a
 * field the client did not select spells nothing, so an alias named like an ignored field
 * (`updatedAt: username`) is compared; keys inside a scalar's value are the value's own.
 */
export function ignoreInResponseKeys(patterns: readonly string[], selections: Selections): string[] {
  const out = new Set<string>();
  for (const pattern of patterns) spell(pathTokens(pattern), 0, selections.roots, selections, '', out);
  return [...out];
}

// Per operation (graphql-js and Apollo's document cache share it across requests) and
// pattern list: the same array each time, so its tokenized form is cached too.
const spelled = new WeakMap<object, WeakMap<readonly string[], readonly string[]>>();

/**
 * {@link ignoreInResponseKeys} for the operation a field was answered from, cached per
 * operation and pattern list; the patterns as written when the operation is not known.
 */
export function ignoreFor(by: AnsweredBy, patterns: readonly string[]): readonly string[] {
  if (patterns.length === 0) return patterns;
  let byPatterns = spelled.get(by.operation);
  if (byPatterns === undefined) {
    byPatterns = new WeakMap();
    spelled.set(by.operation, byPatterns);
  }
  let keys = byPatterns.get(patterns);
  if (keys === undefined) {
    const selections = selectionsAnswering(by);
    keys = selections === null ? patterns : ignoreInResponseKeys(patterns, selections);
    byPatterns.set(patterns, keys);
  }
  return keys;
}
