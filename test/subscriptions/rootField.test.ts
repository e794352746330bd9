import { buildSchema, type ExecutionArgs, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { rootFieldOf } from '../../src/subscriptions/rootField.ts';

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { changed(id: ID!, first: Int): Boolean }
`);

function argsOf(query: string, variables?: Record<string, unknown>): ExecutionArgs {
  return { schema, document: parse(query), variableValues: variables ?? null };
}

function codesOf(root: ReturnType<typeof rootFieldOf>): unknown[] {
  if (root === null || !('errors' in root)) throw new Error(`not refused: ${JSON.stringify(root)}`);
  return root.errors.map((error) => error.extensions.code);
}

describe('rootFieldOf', () => {
  it('gives the root field with its arguments coerced, through fragments', () => {
    const query = 'subscription ($id: ID!) { ... on Subscription { changed(id: $id, first: 2) } }';
    expect(rootFieldOf(argsOf(query, { id: 7 }))).toEqual({ name: 'changed', args: { id: '7', first: 2 } });
    expect(rootFieldOf(argsOf('{ ok }'))).toBeNull();
  });

  it('refuses, never throws, variables that are missing, null or of the wrong type', () => {
    const query = 'subscription ($id: ID!, $first: Int) { changed(id: $id, first: $first) }';
    for (const variables of [undefined, {}, { id: null }, { id: 'x', first: 'ten' }]) {
      const root = rootFieldOf(argsOf(query, variables));
      expect(codesOf(root), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
    const [missing] = (rootFieldOf(argsOf(query)) as { errors: Error[] }).errors;
    expect(missing?.message).toBe('Variable "$id" of required type "ID!" was not provided.');
  });

  it('refuses a null that reaches a non-null argument through a defaulted variable', () => {
    const root = rootFieldOf(argsOf('subscription ($id: ID = "x") { changed(id: $id) }', { id: null }));
    expect(codesOf(root)).toEqual(['BAD_USER_INPUT']);
    expect((root as { errors: Error[] }).errors[0]?.message).toBe(
      'Argument "id" of non-null type "ID!" must not be null.',
    );
  });
});
