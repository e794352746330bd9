import { isIgnored, pathTokens } from './compareValues.ts';

/** A unit's ignore patterns, tokenized once. */
export interface IgnorePatterns {
  patterns: readonly string[];
  /** The patterns' numbers of tokens: a path of another length is never ignored. */
  lengths: ReadonlySet<number>;
  tokens: readonly (readonly string[])[];
}

// One pattern list per unit, judged on every request.
const patternsCache = new WeakMap<readonly string[], IgnorePatterns>();

/** The ignore patterns tokenized, cached per pattern list. */
export function ignorePatterns(patterns: readonly string[]): IgnorePatterns {
  let cached = patternsCache.get(patterns);
  if (cached === undefined) {
    const tokens = patterns.map(pathTokens);
    cached = { patterns, lengths: new Set(tokens.map((each) => each.length)), tokens };
    patternsCache.set(patterns, cached);
  }
  return cached;
}

// A key a GraphQL name can be: exactly one token of a path.
const NAME = /^[_A-Za-z0-9]+$/;

function matchesToken(wanted: string, actual: string): boolean {
  return wanted === actual || wanted === '*' || (wanted === '[*]' && actual.startsWith('['));
}

/**
 * A response path kept as its segments below a root (keys, list positions, item ids)
 * and written out only when needed, as compareValues writes it: `root.key[3][id=a]`.
 */
export class SegmentPath {
  readonly #root: string;
  readonly #rootTokens: readonly string[];
  // Whether the root ends where its last token does, so what follows makes tokens of its own.
  readonly #rootPlain: boolean;
  readonly #segments: (string | number)[] = [];
  readonly #byId: boolean[] = [];

  constructor(root: string) {
    this.#root = root;
    this.#rootTokens = pathTokens(root);
    const written = this.#rootTokens.map((token, i) =>
      i === 0 || token.startsWith('[') ? token : `.${token}`,
    );
    this.#rootPlain = written.join('') === root;
  }

  /** The path's number of tokens, as ignore patterns count them. */
  get depth(): number {
    return this.#rootTokens.length + this.#segments.length;
  }

  /** Goes down to an object's key (`true` for a list item's id, a number for its position). */
  enter(segment: string | number, byId = false): void {
    this.#segments.push(segment);
    this.#byId.push(byId);
  }

  /** Goes back up one segment. */
  leave(): void {
    this.#segments.pop();
    this.#byId.pop();
  }

  /** The path written out; `''` at an empty root. */
  toString(): string {
    let path = this.#root;
    for (let i = 0; i < this.#segments.length; i++) {
      const segment = this.#segments[i] as string | number;
      if (typeof segment === 'number') path = `${path}[${segment}]`;
      else if (this.#byId[i] === true) path = `${path}[id=${segment}]`;
      else path = path === '' ? segment : `${path}.${segment}`;
    }
    return path;
  }

  /**
   * True when one of the patterns matches the path, as {@link isIgnored} says of it
   * written out; matched segment by segment without writing it out when every segment
   * is one token (names, positions, ids without `]`).
   */
  ignoredBy(ignore: IgnorePatterns): boolean {
    const depth = this.depth;
    if ((this.#root === '' && this.#segments.length === 0) || !ignore.lengths.has(depth)) return false;
    if (!this.#oneTokenEach()) return isIgnored(this.toString(), ignore.patterns);
    for (const wanted of ignore.tokens) if (wanted.length === depth && this.#matches(wanted)) return true;
    return false;
  }

  #oneTokenEach(): boolean {
    if (!this.#rootPlain) return false;
    for (let i = 0; i < this.#segments.length; i++) {
      const segment = this.#segments[i];
      if (typeof segment !== 'string') continue;
      if (this.#byId[i] === true ? segment.includes(']') : !NAME.test(segment)) return false;
    }
    return true;
  }

  #matches(wanted: readonly string[]): boolean {
    const rootLength = this.#rootTokens.length;
    for (let i = 0; i < wanted.length; i++) {
      const token = wanted[i] as string;
      if (i < rootLength) {
        if (!matchesToken(token, this.#rootTokens[i] as string)) return false;
        continue;
      }
      if (token === '*') continue;
      const segment = this.#segments[i - rootLength] as string | number;
      const key = typeof segment === 'string' && this.#byId[i - rootLength] !== true;
      if (token === '[*]' ? key : !this.#literal(token, segment, key)) return false;
    }
    return true;
  }

  // A pattern's literal token against one segment (written out only here, for a literal `[3]` or `[id=a]`).
  #literal(token: string, segment: string | number, key: boolean): boolean {
    if (key) return token === segment;
    if (!token.startsWith('[')) return false;
    return token === (typeof segment === 'number' ? `[${segment}]` : `[id=${segment}]`);
  }
}
