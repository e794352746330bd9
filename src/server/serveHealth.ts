import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import { checkHealth, type HealthTarget, publicHealth } from './checkHealth.ts';
import { type BearerVerifier, SigningKeysUnavailableError } from './verifyBearer.ts';

/** What `/healthz` reports on and who may see its details. */
export interface HealthOptions {
  backends: Record<string, HealthTarget>;
  schemaVersion: string;
  verifyBearer: BearerVerifier;
  logger: Logger;
}

async function isAdmin(request: IncomingMessage, options: HealthOptions): Promise<boolean> {
  try {
    return (await options.verifyBearer(request.headers.authorization)).kind === 'service';
  } catch (error) {
    // A probe with a bad token, or one that cannot be checked, still learns up or down, as an anonymous one does.
    // A JWKS outage is logged by the bearer verifier, rate limited; probes would repeat it here.
    if (error instanceof SigningKeysUnavailableError) {
      options.logger.debug({ err: error.cause }, `/healthz: ${error.message} Answering the public report.`);
    } else {
      options.logger.debug({ err: error }, '/healthz: bearer token refused, answering the public report');
    }
    return false;
  }
}

/**
 * Answers `/healthz`: 200 when every backend is up, else 503. Admins (a service_role
 * bearer) get each backend's name, latency and error; everyone else only up or down.
 */
export async function serveHealth(
  request: IncomingMessage,
  response: ServerResponse,
  options: HealthOptions,
) {
  const [report, admin] = await Promise.all([
    checkHealth(options.backends, options.schemaVersion),
    isAdmin(request, options),
  ]);
  response.writeHead(report.status === 'ok' ? 200 : 503, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(admin ? report : publicHealth(report)));
}
