import { Kind, type ValueNode } from 'graphql';

function toInstant(value: unknown): string {
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}: expected an ISO-8601 instant.`);
}

/**
 * The DateTime scalar of the target contracts: ISO-8601 instants, serialized in UTC with
 * milliseconds, the form the stores write and compare. The same behaviour as the public
 * schema's scalar (resolvers/DateTime.ts), which src/ may not import: the app stays out
 * of the product's layers. Given as graphql-tools' hooks, so the SDL's description stays.
 */
export const DateTime = {
  __serialize: toInstant,
  __parseValue: (value: unknown): string => {
    if (typeof value !== 'string') throw new TypeError('DateTime must be a string.');
    return toInstant(value);
  },
  __parseLiteral: (ast: ValueNode): string => {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.');
    return toInstant(ast.value);
  },
};
