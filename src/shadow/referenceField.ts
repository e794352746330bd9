import type { GraphQLField } from 'graphql';

/** The field extension that marks a reference in the schema. */
const REFERENCE_EXTENSION = 'figwayReference';

/** What a reference resolver answers: the object it points at, by id, or null. */
export type Reference = { id: string } | null;

/** A reference's resolver as the resolver map takes it: the function, and the extension that marks it. */
export interface ReferenceField<P> {
  resolve: (parent: P) => Reference;
  extensions: { [REFERENCE_EXTENSION]: true };
}

/**
 * Marks a resolver that only points at another object by id, from its parent's own
 * fields (`Party.profile` from the party's profile id). It is not a migration unit, so
 * no comparison of its own covers it: a shadow comparison follows it on both sides'
 * values instead, and a link to a different object is a difference. The mark is a
 * field extension, which the schema keeps (it binds plain resolver functions anew).
 */
export function reference<P>(resolve: (parent: P) => Reference): ReferenceField<P> {
  return { resolve, extensions: { [REFERENCE_EXTENSION]: true } };
}

/** What a schema field points at from its parent when it is a marked reference; null otherwise. */
export function referenceOf(
  field: Pick<GraphQLField<unknown, unknown>, 'resolve' | 'extensions'>,
): ((parent: unknown) => Reference) | null {
  const { resolve } = field;
  if (resolve === undefined || field.extensions?.[REFERENCE_EXTENSION] !== true) return null;
  return (parent) => resolve(parent, {}, undefined, undefined as never) as Reference;
}
