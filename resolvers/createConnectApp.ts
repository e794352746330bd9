import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { EventReads } from '../src/backends/connectLoaders.ts';
import type { Viewer } from '../src/backends/viewer.ts';
import type { RequestRouter } from '../src/routing/requestRouter.ts';
import { canonicalSdl, readCurrentSdl, readPublishedSchemas } from '../src/schema/schemaFiles.ts';
import { schemaVersion } from '../src/schema/schemaVersion.ts';
import type { RequestShadow } from '../src/shadow/shadowRunner.ts';
import { createGatewayContext, type GatewayBackends, type GatewayContext } from './gatewayContext.ts';
import { resolvers } from './index.ts';

/** The Connect schema as served, with its version label. */
export interface ConnectSchema {
  schema: GraphQLSchema;
  version: string;
}

/** Builds the executable schema from `schema/*.graphql` and the resolvers in `resolvers/`. */
export async function buildConnectSchema(): Promise<ConnectSchema> {
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

/** The Connect app a gateway serves: its schema, version label and a context per operation over `backends`. */
export interface ConnectApp extends ConnectSchema {
  createContext(
    viewer: Viewer,
    router: RequestRouter,
    shadow?: RequestShadow,
    reads?: EventReads,
  ): GatewayContext;
}

/** Builds the Connect app over `backends`, for `startGateway`'s `app` option. */
export async function createConnectApp(backends: GatewayBackends): Promise<ConnectApp> {
  const { schema, version } = await buildConnectSchema();
  return {
    schema,
    version,
    createContext: (viewer, router, shadow, reads) =>
      createGatewayContext(viewer, backends, router, shadow, reads),
  };
}
