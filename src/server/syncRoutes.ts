import { ErrorCode, FigwayError } from '../errors.ts';
import type { Sync } from '../writes/sync/createSync.ts';
import { isAdminRefusal, requireService, sendAdminError, sendJson } from './adminResponses.ts';
import type { AdminRoutes } from './adminRoutes.ts';
import type { BearerVerifier } from './verifyBearer.ts';

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
        sendJson(response, 200, await sync.status());
      else if (retry?.[1] !== undefined && request.method === 'POST') {
        if (!(await sync.retry(retry[1])))
          throw new FigwayError(ErrorCode.NOT_FOUND, `No dead letter ${retry[1]}.`, { id: retry[1] });
        sendJson(response, 200, { retried: retry[1] });
      } else throw new FigwayError(ErrorCode.BAD_REQUEST, `Wrong method ${request.method} for ${pathname}.`);
    } catch (error) {
      if (!isAdminRefusal(error)) throw error;
      sendAdminError(response, error);
    }
    return true;
  };
}
