import type { ApolloServerPlugin } from '@apollo/server';
import type { AppContext } from './gatewayApp.ts';

/**
 * An Apollo plugin that puts figway's own information in `extensions.figway`:
 * always the schema version; the route of every migration unit (backend and stage)
 * and any fallbacks only in development or for service_role callers.
 */
export function figwayExtensionsPlugin<C extends AppContext>(
  version: string,
  development: boolean,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          // Shadow comparisons wait for this: they run once the answer is on its way.
          (contextValue as Partial<AppContext> | undefined)?.shadow?.responseSent();
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const figway: Record<string, unknown> = { schemaVersion: version };
          // contextValue is missing when the request failed before its context was built.
          const router = (contextValue as Partial<AppContext> | undefined)?.router;
          const insider = development || contextValue?.viewer?.kind === 'service';
          if (router !== undefined && insider) {
            figway.routes = router.routes;
            if (router.fallbacks.length > 0) figway.fallbacks = router.fallbacks;
          }
          result.extensions = { ...result.extensions, figway };
        },
      };
    },
  };
}
