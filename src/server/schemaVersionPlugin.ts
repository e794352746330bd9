import type { ApolloServerPlugin } from '@apollo/server';

/** An Apollo plugin that stamps every response with `extensions.figway.schemaVersion`. */
export function schemaVersionPlugin(version: string): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const figway = (result.extensions?.figway ?? {}) as Record<string, unknown>;
          result.extensions = { ...result.extensions, figway: { ...figway, schemaVersion: version } };
        },
      };
    },
  };
}
