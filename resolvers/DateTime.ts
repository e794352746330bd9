import { GraphQLScalarType, Kind } from 'graphql';

function toInstant(value: unknown): string {
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}: expected an ISO-8601 instant.`);
}

/** The DateTime scalar: ISO-8601 instants, always serialized in UTC with milliseconds. */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: toInstant,
  parseValue: (value) => {
    if (typeof value !== 'string') throw new TypeError('DateTime must be a string.');
    return toInstant(value);
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.');
    return toInstant(ast.value);
  },
});
