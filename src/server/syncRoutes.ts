import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { Sync } from '../writes/sync/createSync.ts';
import type { AdminRoutes } from './adminRoutes.ts';
import type { BearerVerifier } from './verifyBearer.ts';

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function requireService(verify: BearerVerifier, request: IncomingMessage) {
  const viewer = await verify(request.headers.authorization);
  if (viewer.kind !== 'service')
    throw new FigwayError(ErrorCode.FORBIDDEN, 'Admin routes need a service_role token.');
}

/**
 * The mirror's admin routes (service_role tokens only), for `figway sync status` and
 * `figway sync retry` while the gateway holds the embedded database:
 * `GET /admin/sync/status` and `POST /admin/sync/retry/<legacy|target>-<id>`.
 */
export function createSyncRoutes(sync: Pick<Sync, 'status' | 'retry'>, verify: BearerVerifier): AdminRoutes {
  return async (request, response, pathname) => {
    const retry = /^\/admin\/sync\/retry\/([a-z]+-\d+)$/.exec(pathname);
    if (pathname !== '/admin/sync/status' && retry === null) return false;
    try {
      await requireService(verify, request);
      if (pathname === '/admin/sync/status' && request.method === 'GET')
        send(response, 200, await sync.status());
      else if (retry?.[1] !== undefined && request.method === 'POST') {
        if (!(await sync.retry(retry[1])))
          throw new FigwayError(ErrorCode.NOT_FOUND, `No dead letter ${retry[1]}.`, { id: retry[1] });
        send(response, 200, { retried: retry[1] });
      } else throw new FigwayError(ErrorCode.BAD_REQUEST, `Wrong method ${request.method} for ${pathname}.`);
    } catch (error) {
      if (!(error instanceof FigwayError)) throw error;
      const status =
        error.code === 'UNAUTHENTICATED'
          ? 401
          : error.code === 'FORBIDDEN'
            ? 403
            : error.code === 'NOT_FOUND'
              ? 404
              : 400;
      send(response, status, { error: { code: error.code, message: error.message } });
    }
    return true;
  };
}
