import type { ProfileRecord } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';
import { migrate } from '../src/routing/migrate.ts';
import type { SideStores } from './gatewayContext.ts';
import { onEitherSide } from './onEitherSide.ts';

/** What a Profile field resolves from: a loaded profile, or a reference to one by id. */
export type ProfileParent = Pick<ProfileRecord, 'id'>;

function field<K extends keyof ProfileRecord>(unit: string, name: K) {
  return migrate(
    unit,
    onEitherSide(async (side: SideStores, parent: ProfileParent) => {
      const profile = await side.loaders.profile.load(parent.id);
      if (profile === null) {
        throw new FigwayError(
          ErrorCode.NOT_FOUND,
          `Profile ${parent.id} is not visible in the ${side.side} backend.`,
          {
            backend: side.side,
          },
        );
      }
      return profile[name];
    }),
  );
}

/** Resolvers of Profile: its id comes from the reference, every other field is a migration unit. */
export const Profile = {
  username: field('Profile.username', 'username'),
  displayName: field('Profile.displayName', 'displayName'),
  avatarUrl: field('Profile.avatarUrl', 'avatarUrl'),
  createdAt: field('Profile.createdAt', 'createdAt'),
};
