import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../../resolvers/index.ts';
import { canonicalSdl, readCurrentSdl, readPublishedSchemas } from '../schema/schemaFiles.ts';
import { schemaVersion } from '../schema/schemaVersion.ts';

/** The executable schema the gateway serves, with its version label. */
export interface GatewaySchema {
  schema: GraphQLSchema;
  version: string;
}

/** Builds the executable schema from `schema/*.graphql` and the resolvers in `resolvers/`. */
export async function buildGatewaySchema(): Promise<GatewaySchema> {
  const sdl = await readCurrentSdl();
  const schema = makeExecutableSchema({
    typeDefs: sdl,
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  // The label describes the schema as served (resolvers included), not the SDL files,
  // so a resolver that changes what clients see cannot keep a published label.
  return { schema, version: schemaVersion(canonicalSdl(schema), await readPublishedSchemas()) };
}
