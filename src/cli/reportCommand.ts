import { type Config, loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { buildShadowReport } from '../reports/buildShadowReport.ts';
import { formatShadowReport } from '../reports/formatShadowReport.ts';
import { parseSince, SINCE_FORMATS } from '../reports/parseSince.ts';
import type { ShadowReport } from '../reports/shadowReportTypes.ts';
import { type ObservationsDbOpener, openObservationsDb } from '../shadow/openObservationsDb.ts';
import { callGateway, runningGateway } from './gatewayClient.ts';

const USAGE = `usage: figway report [--unit U] [--since 24h|7d|30m|<ISO time>] [--json]
  Prints the shadow-diff report: per migration unit and cohort, the samples run
  and the effective sample rate, the mismatch, noise, candidate error and
  timeout rates (per comparison, weighted by 1/sample rate), p50/p99 latency of
  both sides, the paths that differ, and a verdict (ready, hold or rollback).
  --since   a duration back from now (30m, 24h, 7d) or an ISO 8601 time; 24h
  --unit    one migration unit, e.g. Commitment.status; every unit by default
  --json    the report as JSON instead of text
`;

/** What `figway report` was asked for. */
export interface ReportRequest {
  since: Date;
  unit?: string;
  json: boolean;
}

/** What {@link reportCommand} opens the observation store with; tests pass their own. */
export interface ReportCommandDependencies {
  /** @default openObservationsDb */
  openObservationsDb?: ObservationsDbOpener;
  /** @default () => new Date() */
  now?: () => Date;
}

/** The request `args` describe, or a message saying what is wrong with them. */
export function parseReportArgs(args: readonly string[], now: Date): ReportRequest | string {
  let since = parseSince('24h', now) ?? now;
  let unit: string | undefined;
  let json = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    const value = args[index + 1];
    if (arg === '--json') json = true;
    else if (arg === '--unit' || arg === '--since') {
      if (value === undefined || value.startsWith('--')) return `${arg} needs a value.`;
      index += 1;
      if (arg === '--unit') unit = value;
      else {
        const parsed = parseSince(value, now);
        if (parsed === null) return `--since ${value} is not ${SINCE_FORMATS}.`;
        since = parsed;
      }
    } else return `unknown argument ${arg}.`;
  }
  return { since, json, ...(unit === undefined ? {} : { unit }) };
}

async function locally(
  config: Config,
  request: ReportRequest,
  open: ObservationsDbOpener,
  now: Date,
): Promise<ShadowReport> {
  // PGlite serves one process: hold the data folder so a gateway cannot start meanwhile.
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  try {
    const db = await open(config);
    try {
      const unit = request.unit === undefined ? {} : { unit: request.unit };
      return await buildShadowReport(db, { since: request.since, now, ...unit });
    } finally {
      await db.close();
    }
  } finally {
    await claim?.release();
  }
}

async function throughGateway(config: Config, request: ReportRequest): Promise<ShadowReport | null> {
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  if (client === null) return null;
  const query = new URLSearchParams({ since: request.since.toISOString() });
  if (request.unit !== undefined) query.set('unit', request.unit);
  const response = await callGateway(client, 'GET', `/admin/api/shadow/report?${query}`);
  return (await response.json()) as ShadowReport;
}

/**
 * `figway report [--unit U] [--since 24h|7d|30m|<ISO>] [--json]`: prints the shadow-diff
 * report as text for a terminal, or as JSON. Goes through the running embedded gateway
 * when there is one (it holds the PGlite), else opens the observation store itself.
 * Returns 0 (also for `--help`), or 2 with the usage for bad arguments.
 */
export async function reportCommand(
  args: readonly string[],
  dependencies: ReportCommandDependencies = {},
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const now = dependencies.now?.() ?? new Date();
  const request = parseReportArgs(args, now);
  if (typeof request === 'string') {
    process.stderr.write(`figway report: ${request}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const report =
    (await throughGateway(config, request)) ??
    (await locally(config, request, dependencies.openObservationsDb ?? openObservationsDb, now));
  process.stdout.write(request.json ? `${JSON.stringify(report, null, 2)}\n` : formatShadowReport(report));
  return 0;
}
