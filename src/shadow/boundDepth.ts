/**
 * Levels of nesting an observation keeps of a user-controlled value (variables,
 * projected answers): deeper objects and lists are replaced by {@link deeperThan}.
 * Legitimate GraphQL answers and variables stay far shallower.
 */
export const MAX_OBSERVED_DEPTH = 64;

/** What stands in for an object or list nested deeper than `maxDepth` levels. */
export function deeperThan(maxDepth: number): string {
  return `(nested deeper than ${maxDepth} levels)`;
}

/** Says what to store under `key` of an object instead of copying its value; `undefined` copies it. */
export type RewriteField = (key: string, field: unknown) => unknown;

interface Pending {
  source: unknown;
  into: Record<string, unknown> | unknown[];
  key: string | number;
  depth: number;
}

function place(into: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  // defineProperty: a `__proto__` key (JSON.parse makes one) stays data, not a prototype.
  Object.defineProperty(into, key, { value, writable: true, enumerable: true, configurable: true });
}

// Plain data only: values that serialize themselves (Date) are copied as they are.
function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/**
 * Copies a JSON-like value without recursion, so that no nesting overflows the stack
 * (a 200,000-level variable did): objects and lists deeper than `maxDepth` become
 * {@link deeperThan}, and `rewrite` may replace any object field (e.g. to hash it).
 * Key order is kept.
 */
export function boundDepth(
  value: unknown,
  maxDepth: number = MAX_OBSERVED_DEPTH,
  rewrite?: RewriteField,
): unknown {
  const root: unknown[] = [undefined];
  const stack: Pending[] = [{ source: value, into: root, key: 0, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { source, into, key, depth } = next;
    if (!isContainer(source)) {
      place(into, key, source);
    } else if (depth >= maxDepth) {
      place(into, key, deeperThan(maxDepth));
    } else if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      place(into, key, copy);
      for (let index = source.length - 1; index >= 0; index--)
        stack.push({ source: source[index], into: copy, key: index, depth: depth + 1 });
    } else {
      const copy: Record<string, unknown> = {};
      place(into, key, copy);
      for (const [field, item] of Object.entries(source)) {
        const replaced = rewrite?.(field, item);
        // Placed now (and filled later) so the copy keeps the source's key order.
        place(copy, field, replaced);
        if (replaced === undefined) stack.push({ source: item, into: copy, key: field, depth: depth + 1 });
      }
    }
  }
  return root[0];
}
