import { ConfigError, loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { readStageForEveryone } from '../routing/readStageForEveryone.ts';
import { openBackends } from '../server/openBackends.ts';
import { COMMITMENT_AUTHORITY_UNIT } from '../writes/reconcile/reconcileAuthority.ts';
import {
  DEFAULT_CHUNK_SIZE,
  isReconcileEntity,
  RECONCILE_ENTITIES,
  type ReconcileEntity,
  type ReconcileProgress,
  type ReconcileResult,
} from '../writes/reconcile/reconcileTypes.ts';
import { runReconcile } from '../writes/reconcile/runReconcile.ts';
import {
  callGateway,
  type GatewayClient,
  GatewayRefusal,
  readJsonLines,
  runningGateway,
} from './gatewayClient.ts';
import { formatReconcile, reconcileProgressBar } from './renderReconcile.ts';

const USAGE = `usage: figway reconcile <${RECONCILE_ENTITIES.join('|')}> [--repair] [--json] [--chunk-size N]
  compares legacy with the target in chunks of ids (checksums, narrowed down where they differ),
  lists each divergent row with the fields that differ, and judges the divergence against 0.5%;
  --repair rewrites the non-authoritative side from the authoritative one, then checks again.
  Exits 0 when nothing diverges, 1 when something does, 2 when the authority cannot be told
  (the flag of Mutation.updateCommitmentStatus serves a variant that is not a stage).
`;

/** A reconcile run as the command line asks for it. */
interface Request {
  entity: ReconcileEntity;
  repair: boolean;
  json: boolean;
  chunkSize: number;
}

function parse(args: readonly string[]): Request | string {
  const [entity, ...rest] = args;
  if (!isReconcileEntity(entity)) return entity === undefined ? '' : `no entity ${entity}`;
  const request: Request = { entity, repair: false, json: false, chunkSize: DEFAULT_CHUNK_SIZE };
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    if (arg === '--repair') request.repair = true;
    else if (arg === '--json') request.json = true;
    else if (arg === '--chunk-size') {
      request.chunkSize = Number(rest[++index]);
      if (!Number.isInteger(request.chunkSize) || request.chunkSize < 1)
        return '--chunk-size takes a positive whole number';
    } else return `unknown option ${arg}`;
  }
  return request;
}

async function throughGateway(
  client: GatewayClient,
  request: Request,
  onProgress: (progress: ReconcileProgress) => void,
): Promise<ReconcileResult> {
  const query = `chunkSize=${request.chunkSize}${request.repair ? '&repair=1' : ''}`;
  const response = await callGateway(client, 'POST', `/admin/reconcile/${request.entity}?${query}`);
  for await (const line of readJsonLines(response)) {
    const message = line as {
      progress?: ReconcileProgress;
      result?: ReconcileResult;
      error?: { message: string };
    };
    if (message.progress !== undefined) onProgress(message.progress);
    if (message.error !== undefined) throw new Error(message.error.message);
    if (message.result !== undefined) return message.result;
  }
  throw new Error('the gateway ended the reconcile without a result');
}

async function locally(
  request: Request,
  onProgress: (progress: ReconcileProgress) => void,
): Promise<ReconcileResult> {
  const config = loadConfig();
  // Read first: a stage that cannot be known refuses the run (a ConfigError, exit 2)
  // before any database is opened, so nothing is compared or repaired the wrong way.
  const mutationStage = await readStageForEveryone(
    config.flags,
    COMMITMENT_AUTHORITY_UNIT,
    config.catalogueFile,
  );
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  const backends = await openBackends(config);
  try {
    const { legacyDb, targets } = backends;
    if (legacyDb === null)
      throw new ConfigError('figway reconcile reads the legacy database directly: set SUPABASE_DB_URL.');
    if (targets === null)
      throw new ConfigError(
        'figway reconcile needs the targets: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.',
      );
    return await runReconcile(
      request.entity,
      { legacy: legacyDb, ledger: targets.ledger, oltp: targets.oltp },
      {
        mutationStage,
        repair: request.repair,
        chunkSize: request.chunkSize,
        onProgress,
      },
    );
  } finally {
    await backends.close();
    await claim?.release();
  }
}

/**
 * `figway reconcile <entity> [--repair] [--json] [--chunk-size N]`: compares legacy
 * with the target, prints the divergent rows, a summary and the verdict (or, with
 * `--json`, one object), and exits 0 when nothing diverges (after a repair: when the
 * re-check finds nothing), 1 when something does, 2 on a usage error. With the
 * embedded default running, the running gateway does the work; its refusal (say, while
 * it does not know the authority's stage, as its writes are refused) is printed, exit 1.
 * Run alone, a flag serving a variant that is not a stage refuses the run with a
 * ConfigError (exit 2) before anything is read.
 */
export async function reconcileCommand(args: readonly string[]): Promise<number> {
  const request = parse(args);
  if (typeof request === 'string') {
    process.stderr.write(`${request === '' ? '' : `figway reconcile: ${request}\n`}${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  const bar = reconcileProgressBar();
  const onProgress = request.json ? () => {} : bar.update;
  let result: ReconcileResult;
  try {
    result =
      client === null
        ? await locally(request, onProgress)
        : await throughGateway(client, request, onProgress);
  } catch (error) {
    // The running gateway refused the run (its admin answer names why): its words, exit 1.
    if (!(error instanceof GatewayRefusal)) throw error;
    process.stderr.write(`figway reconcile: ${error.message}\n`);
    return 1;
  } finally {
    bar.end();
  }
  process.stdout.write(request.json ? `${JSON.stringify(result, null, 2)}\n` : formatReconcile(result));
  return result.divergent === 0 ? 0 : 1;
}
