import { Kind, type ValueNode } from 'graphql';

function toInstant(value: unknown): string {
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}: expected an ISO-8601 instant.`);
}

/**
 * The DateTime scalar's behaviour, in the public schema and the target contracts alike:
 * ISO-8601 instants, always serialized in UTC with milliseconds (the form the stores
 * write and compare). Given as graphql-tools' `__serialize` hooks rather than a
 * GraphQLScalarType, because a scalar type object replaces the one built from the SDL,
 * description included: the served schema lost the description that
 * `schema/scalars.graphql` and the published versions give it.
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
