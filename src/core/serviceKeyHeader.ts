/**
 * The HTTP header that carries the shared secret of the gateways and their target
 * services (`FIGWAY_SERVICE_KEY`): a service that has one answers GraphQL only to
 * callers that send it, so that nobody but a gateway writes at a stage of its own
 * choosing or names a write intent.
 */
export const SERVICE_KEY_HEADER = 'figway-service-key';

/** The shortest `FIGWAY_SERVICE_KEY` accepted: 32 characters, e.g. `openssl rand -hex 32` gives 64. */
export const MIN_SERVICE_KEY_LENGTH = 32;
