import type { PartyRecord } from '../src/backends/connectStore.ts';

/** Resolvers of Party. */
export const Party = {
  // A reference: each Profile field is routed on its own.
  profile: (party: PartyRecord) => ({ id: party.profileId }),
};
