import type { PartyRecord } from '../src/backends/connectStore.ts';
import { reference } from '../src/shadow/referenceField.ts';

/** Resolvers of Party. */
export const Party = {
  // A reference: each Profile field is routed on its own.
  profile: reference((party: PartyRecord) => ({ id: party.profileId })),
};
