import {
  buildClientSchema,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  type GraphQLSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
} from 'graphql';
import { readTargetContract, type TargetServiceKind } from '../../src/services/targetContract.ts';
import { post } from './serviceProcess.ts';

/** What `served` lacks or changes of `contract`: each breaking or dangerous change, described. */
export function departuresFrom(contract: GraphQLSchema, served: GraphQLSchema): string[] {
  return [...findBreakingChanges(contract, served), ...findDangerousChanges(contract, served)].map(
    (change) => `${change.type}: ${change.description}`,
  );
}

/** The schema a running service answers introspection with. */
export async function introspect(url: string): Promise<GraphQLSchema> {
  const answer = await post(url, getIntrospectionQuery());
  if (answer.body.data === undefined || answer.body.data === null)
    throw new Error(`introspection failed: ${JSON.stringify(answer.body.errors)}`);
  return buildClientSchema(answer.body.data as unknown as IntrospectionQuery);
}

/** How the service at `url` departs from the contract of `kind`; empty when it serves all of it. */
export async function contractDepartures(kind: TargetServiceKind, url: string): Promise<string[]> {
  return departuresFrom(buildSchema(await readTargetContract(kind)), await introspect(url));
}
