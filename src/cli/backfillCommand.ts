import { ConfigError, loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { openBackends } from '../server/openBackends.ts';
import {
  BACKFILL_JOBS,
  type BackfillJob,
  type BackfillProgress,
  type BackfillSummary,
} from '../writes/backfill/backfillTypes.ts';
import { runBackfill } from '../writes/backfill/runBackfill.ts';
import { callGateway, type GatewayClient, readJsonLines, runningGateway } from './gatewayClient.ts';
import { progressRenderer } from './renderProgress.ts';

const USAGE = `usage: figway backfill <${BACKFILL_JOBS.join('|')}> [--batch-size N]
  copies legacy rows into the target, idempotently and resumably
`;

async function throughGateway(
  client: GatewayClient,
  job: BackfillJob,
  batchSize: number,
): Promise<BackfillSummary> {
  const response = await callGateway(client, 'POST', `/admin/backfill/${job}?batchSize=${batchSize}`);
  const render = progressRenderer();
  for await (const line of readJsonLines(response)) {
    const message = line as {
      progress?: BackfillProgress;
      summary?: BackfillSummary;
      error?: { message: string };
    };
    if (message.progress !== undefined) render.update(message.progress);
    if (message.error !== undefined) throw new Error(message.error.message);
    if (message.summary !== undefined) return message.summary;
  }
  throw new Error('the gateway ended the backfill without a summary');
}

async function locally(job: BackfillJob, batchSize: number): Promise<BackfillSummary> {
  const config = loadConfig();
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  const backends = await openBackends(config);
  const abort = new AbortController();
  // The first Ctrl-C stops after the batch in flight commits, so the run can resume.
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    const { legacyDb, targets } = backends;
    if (legacyDb === null)
      throw new ConfigError('figway backfill reads the legacy database directly: set SUPABASE_DB_URL.');
    if (targets === null)
      throw new ConfigError(
        'figway backfill needs the targets: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.',
      );
    const render = progressRenderer();
    return await runBackfill(
      job,
      { legacy: legacyDb, ledger: targets.ledger, oltp: targets.oltp },
      {
        batchSize,
        signal: abort.signal,
        onProgress: render.update,
      },
    );
  } finally {
    process.off('SIGINT', stop);
    await backends.close();
    await claim?.release();
  }
}

/**
 * `figway backfill <job> [--batch-size N]`: copies legacy rows into the target and
 * prints a summary; exits 1 when any row failed or the run was interrupted. With the
 * embedded default running, the running gateway does the work.
 */
export async function backfillCommand(args: readonly string[]): Promise<number> {
  const [job, ...rest] = args;
  if (job === undefined || !BACKFILL_JOBS.includes(job as BackfillJob)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const sizeIndex = rest.indexOf('--batch-size');
  const batchSize = sizeIndex === -1 ? 100 : Number(rest[sizeIndex + 1]);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    process.stderr.write('figway backfill: --batch-size takes a positive whole number.\n');
    return 2;
  }
  const config = loadConfig();
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  const summary =
    client === null
      ? await locally(job as BackfillJob, batchSize)
      : await throughGateway(client, job as BackfillJob, batchSize);
  progressRenderer().finish(summary);
  return summary.failed > 0 || summary.interrupted ? 1 : 0;
}
