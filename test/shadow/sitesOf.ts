import { defaultFieldResolver, type GraphQLSchema, graphql } from 'graphql';
import { expect } from 'vitest';
import type { ShadowSite } from '../../src/shadow/shadowRunner.ts';

/** The sites graphql-js gives the resolvers of `unit` when it executes `query` over `data`. */
export async function sitesOf(
  schema: GraphQLSchema,
  query: string,
  unit: string,
  data: Record<string, unknown>,
): Promise<ShadowSite[]> {
  const sites: ShadowSite[] = [];
  const result = await graphql({
    schema,
    source: query,
    rootValue: data,
    fieldResolver: (source, args, context, info) => {
      if (`${info.parentType.name}.${info.fieldName}` === unit) {
        const id = (source as { id?: unknown }).id;
        sites.push({ info, id: typeof id === 'string' ? id : null });
      }
      return defaultFieldResolver(source, args, context, info);
    },
  });
  expect(result.errors).toBeUndefined();
  return sites;
}
