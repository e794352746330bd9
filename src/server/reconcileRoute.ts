import type { ServerResponse } from 'node:http';
import type { Viewer } from '../backends/viewer.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { Routing } from '../routing/createRouting.ts';
import { COMMITMENT_AUTHORITY_UNIT } from '../writes/reconcile/reconcileAuthority.ts';
import { DEFAULT_CHUNK_SIZE, isReconcileEntity } from '../writes/reconcile/reconcileTypes.ts';
import { runReconcile } from '../writes/reconcile/runReconcile.ts';
import type { Backends } from './openBackends.ts';

const EVERYONE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };

/**
 * `POST /admin/reconcile/<entity>[?repair=1][&chunkSize=N]`: compares (and repairs)
 * legacy and the target with the gateway's own databases, streaming one JSON line per
 * chunk (`{progress}`) and then `{result}`. The authority for commitments comes from
 * the gateway's routing: the stage of Mutation.updateCommitmentStatus, one for everyone.
 */
export async function serveReconcile(
  backends: Backends,
  routing: Pick<Routing, 'routerFor'>,
  entity: string,
  url: URL,
  response: ServerResponse,
): Promise<void> {
  if (!isReconcileEntity(entity))
    throw new FigwayError(ErrorCode.BAD_REQUEST, `No entity ${entity} to reconcile.`);
  if (backends.legacyDb === null || backends.targets === null) {
    throw new FigwayError(
      ErrorCode.BAD_REQUEST,
      'Reconcile needs direct access to the legacy database and configured targets.',
    );
  }
  const chunkSize = Number(url.searchParams.get('chunkSize') ?? DEFAULT_CHUNK_SIZE);
  const { legacyDb: legacy, targets } = backends;
  const mutationStage = routing.routerFor(EVERYONE).stageOf(COMMITMENT_AUTHORITY_UNIT);
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  const result = await runReconcile(
    entity,
    { legacy, ledger: targets.ledger, oltp: targets.oltp },
    {
      mutationStage,
      repair: url.searchParams.get('repair') === '1',
      chunkSize: Number.isInteger(chunkSize) && chunkSize > 0 ? chunkSize : DEFAULT_CHUNK_SIZE,
      onProgress: (progress) => response.write(`${JSON.stringify({ progress })}\n`),
    },
  );
  response.end(`${JSON.stringify({ result })}\n`);
}
