import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUuid } from '../backends/connectStore.ts';
import { verifyCommitmentChain } from '../backends/ledger/verifyCommitmentChain.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { Routing } from '../routing/createRouting.ts';
import { BACKFILL_JOBS, type BackfillJob } from '../writes/backfill/backfillTypes.ts';
import { runBackfill } from '../writes/backfill/runBackfill.ts';
import { isAdminRefusal, requireService, sendAdminError, sendJson } from './adminResponses.ts';
import type { Backends } from './openBackends.ts';
import { serveReconcile } from './reconcileRoute.ts';
import type { BearerVerifier } from './verifyBearer.ts';

/** Serves one admin request; false when the path is not an admin route. */
export type AdminRoutes = (
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
) => Promise<boolean>;

// Streams one JSON line per committed batch, then the summary, so the CLI can draw progress.
async function backfill(backends: Backends, job: BackfillJob, url: URL, response: ServerResponse) {
  if (backends.legacyDb === null || backends.targets === null) {
    throw new FigwayError(
      ErrorCode.BAD_REQUEST,
      'Backfill needs direct access to the legacy database and configured targets.',
    );
  }
  const batchSize = Number(url.searchParams.get('batchSize') ?? 100);
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  const { legacyDb: legacy, targets } = backends;
  const summary = await runBackfill(
    job,
    { legacy, ledger: targets.ledger, oltp: targets.oltp },
    {
      batchSize: Number.isInteger(batchSize) && batchSize > 0 ? batchSize : 100,
      onProgress: (progress) => response.write(`${JSON.stringify({ progress })}\n`),
    },
  );
  response.end(`${JSON.stringify({ summary })}\n`);
}

// The id of /admin/commitments/<id>/verification, percent-decoded: anything but a UUID is
// refused before the ledger is read, as a malformed one (`%E0%A4%A`) would throw URIError.
function commitmentIdOf(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new FigwayError(
      ErrorCode.BAD_REQUEST,
      `The commitment id ${segment} is not valid percent-encoding.`,
    );
  }
  if (!isUuid(id)) throw new FigwayError(ErrorCode.BAD_REQUEST, `The commitment id ${id} is not a UUID.`);
  return id;
}

/**
 * The admin routes a running gateway offers its own CLI (service_role tokens only):
 * `POST /admin/backfill/<job>`, `GET /admin/commitments/<uuid>/verification` (any other
 * id is 400 BAD_REQUEST) and `POST /admin/reconcile/<entity>`. They let `figway backfill`,
 * `figway verify` and `figway reconcile` work while the gateway holds the embedded database.
 */
export function createAdminRoutes(
  backends: Backends,
  verify: BearerVerifier,
  routing: Pick<Routing, 'routerFor'>,
): AdminRoutes {
  return async (request, response, pathname) => {
    const backfillMatch = /^\/admin\/backfill\/([a-z-]+)$/.exec(pathname);
    const verifyMatch = /^\/admin\/commitments\/([^/]+)\/verification$/.exec(pathname);
    const reconcileMatch = /^\/admin\/reconcile\/([a-z-]+)$/.exec(pathname);
    if (backfillMatch === null && verifyMatch === null && reconcileMatch === null) return false;
    try {
      const viewer = await requireService(verify, request);
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (backfillMatch?.[1] !== undefined && request.method === 'POST') {
        const job = backfillMatch[1] as BackfillJob;
        if (!BACKFILL_JOBS.includes(job))
          throw new FigwayError(ErrorCode.BAD_REQUEST, `No backfill job ${job}.`);
        await backfill(backends, job, url, response);
      } else if (reconcileMatch?.[1] !== undefined && request.method === 'POST') {
        await serveReconcile(backends, routing, reconcileMatch[1], url, response);
      } else if (verifyMatch?.[1] !== undefined && request.method === 'GET') {
        const id = commitmentIdOf(verifyMatch[1]);
        if (backends.targets === null)
          throw new FigwayError(ErrorCode.BAD_REQUEST, 'No ledger is configured.');
        const { ledger, commitments } = backends.targets;
        sendJson(response, 200, await verifyCommitmentChain(ledger, commitments, viewer, id));
      } else {
        throw new FigwayError(ErrorCode.BAD_REQUEST, `Wrong method ${request.method} for ${pathname}.`);
      }
    } catch (error) {
      if (!isAdminRefusal(error)) throw error;
      sendAdminError(response, error);
    }
    return true;
  };
}
