import type { IncomingHttpHeaders } from 'node:http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Viewer } from '../backends/viewer.ts';
import type { HealthTarget } from '../server/checkHealth.ts';
import { contractVersion, readTargetContract, type TargetServiceKind } from './targetContract.ts';

/** What every resolver of a target service sees: who asks, from the verified bearer token. */
export interface ServiceContext {
  viewer: Viewer;
}

/**
 * One target as a GraphQL service of its own: the executable schema built from its
 * contract (`schema/targets/<kind>.graphql`) and its resolvers over the stores, the
 * contract's version label, the context of one request, and what /healthz pings.
 */
export interface TargetService<C extends ServiceContext = ServiceContext> {
  kind: TargetServiceKind;
  schema: GraphQLSchema;
  version: string;
  /**
   * The context of one request, from its verified viewer and its headers (the ledger
   * reads the gateway's write intent there). A throw refuses the request.
   */
  createContext(viewer: Viewer, headers: IncomingHttpHeaders): C;
  health: Record<string, HealthTarget>;
}

/** A resolver map, as graphql-tools' `makeExecutableSchema` takes it. */
export type ServiceResolvers = NonNullable<Parameters<typeof makeExecutableSchema>[0]['resolvers']>;

/**
 * Builds the executable schema of `kind` from its contract file and `resolvers`. The
 * SDL is the file itself, so the served schema cannot drift from the contract; a
 * resolver for a field the contract lacks is refused.
 */
export async function buildServiceSchema(
  kind: TargetServiceKind,
  resolvers: ServiceResolvers,
): Promise<{ schema: GraphQLSchema; version: string }> {
  const sdl = await readTargetContract(kind);
  const schema = makeExecutableSchema({
    typeDefs: sdl,
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return { schema, version: contractVersion(kind, sdl) };
}
