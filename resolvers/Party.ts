import type { PartyRecord } from '../src/backends/connectStore.ts';
import type { GatewayContext } from './gatewayContext.ts';

/** Resolvers of Party. */
export const Party = {
  profile: (party: PartyRecord, _: unknown, context: GatewayContext) =>
    context.loaders.profile.load(party.profileId),
};
