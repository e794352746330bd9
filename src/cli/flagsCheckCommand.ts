import { type Config, loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { formatPromotionCheck } from '../reports/formatPromotionCheck.ts';
import { parseSince, SINCE_FORMATS } from '../reports/parseSince.ts';
import type { PromotionCheck } from '../reports/promotionCheck.ts';
import { checkPromotion } from '../routing/checkPromotion.ts';
import { readConfiguredCatalogue } from '../routing/flagFiles.ts';
import { type ObservationsDbOpener, openObservationsDb } from '../shadow/openObservationsDb.ts';
import { demoUserName } from './demoUserName.ts';
import { callGateway, runningGateway } from './gatewayClient.ts';
import { readFlagDefinitions } from './readFlagDefinitions.ts';

/** The usage of `figway flags check`. */
export const FLAGS_CHECK_USAGE = `usage: figway flags check [--since 24h|7d|30m|<ISO time>] [--json]
  The promotion check: every rule at live, rampdown or complete (per cohort, per user
  rule, or per unit for a percentage or any other rule) whose shadow-diff verdict is
  not ready, i.e. moved without evidence. Exits 1 when there is any, 0 otherwise, and
  2 when the check could not run (bad arguments, flags or observations unreadable).
  Evidence is judged as the shadow-diff report (/admin/shadow) judges a unit and cohort,
  with the catalogue's thresholds: a cohort rule on that cohort's observations, a user
  rule on those users' (hashed with the gateways' FIGWAY_SHADOW_SALT; without it, on the
  unit's), anything else on all of the unit's observations, which do not record which
  rule picked the user.
  --since   a duration back from now (30m, 24h, 7d) or an ISO 8601 time; 24h
  --json    the check as JSON: { since, checked: [...], withoutEvidence: [...] }
`;

/** What {@link flagsCheckCommand} opens the observation store with; tests pass their own. */
export interface FlagsCheckDependencies {
  /** @default openObservationsDb */
  openObservationsDb?: ObservationsDbOpener;
  /** @default () => new Date() */
  now?: () => Date;
}

/** The period and output `args` ask for, or a message saying what is wrong with them. */
function parseCheckArgs(args: readonly string[], now: Date): { since: Date; json: boolean } | string {
  let since = parseSince('24h', now) ?? now;
  let json = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--json') json = true;
    else if (arg === '--since') {
      const value = args[index + 1];
      if (value === undefined || value.startsWith('--')) return '--since needs a value.';
      const parsed = parseSince(value, now);
      if (parsed === null) return `--since ${value} is not ${SINCE_FORMATS}.`;
      since = parsed;
      index += 1;
    } else return `unknown argument ${arg}.`;
  }
  return { since, json };
}

async function throughGateway(config: Config, since: Date): Promise<PromotionCheck | null> {
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  if (client === null) return null;
  const query = new URLSearchParams({ since: since.toISOString() });
  const response = await callGateway(client, 'GET', `/admin/api/shadow/promotion?${query}`);
  return (await response.json()) as PromotionCheck;
}

async function locally(
  config: Config,
  since: Date,
  now: Date,
  open: ObservationsDbOpener,
): Promise<PromotionCheck> {
  const catalogue = await readConfiguredCatalogue(config.catalogueFile);
  const definitions = await readFlagDefinitions(config);
  // PGlite serves one process: hold the data folder so a gateway cannot start meanwhile.
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  try {
    const db = await open(config);
    try {
      const userNames = config.legacy.transport === 'embedded' ? { userNames: demoUserName } : {};
      return await checkPromotion({
        catalogue,
        definitions,
        db,
        since,
        now,
        salt: config.shadow.salt,
        ...userNames,
      });
    } finally {
      await db.close();
    }
  } finally {
    await claim?.release();
  }
}

/**
 * `figway flags check [--since ...] [--json]`: prints the promotion check and returns 1
 * when a rule moved without evidence, 0 when none did (also for `--help`), 2 with the
 * usage for bad arguments and 2 with the reason when the check could not run, so a CI
 * job tells a failed check from a broken one. Goes through the running embedded gateway when there is one
 * (it holds the PGlite), else reads the flags and the observation store itself.
 */
export async function flagsCheckCommand(
  args: readonly string[],
  dependencies: FlagsCheckDependencies = {},
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(FLAGS_CHECK_USAGE);
    return 0;
  }
  const now = dependencies.now?.() ?? new Date();
  const request = parseCheckArgs(args, now);
  if (typeof request === 'string') {
    process.stderr.write(`figway flags check: ${request}\n${FLAGS_CHECK_USAGE}`);
    return 2;
  }
  let check: PromotionCheck;
  try {
    const config = loadConfig();
    check =
      (await throughGateway(config, request.since)) ??
      (await locally(config, request.since, now, dependencies.openObservationsDb ?? openObservationsDb));
  } catch (error) {
    process.stderr.write(
      `figway flags check: could not check: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }
  process.stdout.write(request.json ? `${JSON.stringify(check, null, 2)}\n` : formatPromotionCheck(check));
  return check.withoutEvidence.length > 0 ? 1 : 0;
}
