import type { FieldResolver } from '../src/routing/migrate.ts';
import { type GatewayContext, type SideStores, sideStores } from './gatewayContext.ts';

/** A resolver written once against "a side", run on whichever side the unit's stage picks. */
export type SideResolver<P, A> = (side: SideStores, parent: P, args: A, context: GatewayContext) => unknown;

/** The legacy and target resolvers of a unit whose logic is the same on both sides. */
export function onEitherSide<P, A>(
  resolve: SideResolver<P, A>,
): {
  legacy: FieldResolver<GatewayContext>;
  target: FieldResolver<GatewayContext>;
} {
  return {
    legacy: (parent, args, context) =>
      resolve(sideStores(context, 'legacy'), parent as P, args as A, context),
    target: (parent, args, context) =>
      resolve(sideStores(context, 'target'), parent as P, args as A, context),
  };
}
