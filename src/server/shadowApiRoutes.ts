import type { IncomingMessage } from 'node:http';
import type { Queryable } from '../core/database.ts';
import type { Outcome } from '../core/observation.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { buildShadowReport } from '../reports/buildShadowReport.ts';
import { candidateFailureGroups } from '../reports/candidateFailureGroups.ts';
import { getObservation, listObservations } from '../reports/listObservations.ts';
import { mismatchSeries } from '../reports/mismatchSeries.ts';
import { parseSince, SINCE_FORMATS } from '../reports/parseSince.ts';
import type { PromotionCheck } from '../reports/promotionCheck.ts';
import { rateSeries } from '../reports/rateSeries.ts';
import type { VerdictThresholds } from '../reports/shadowReportTypes.ts';
import { isAdminRefusal, sendAdminError, sendJson } from './adminResponses.ts';
import type { AdminRoutes } from './adminRoutes.ts';
import type { BearerVerifier } from './verifyBearer.ts';

/** Who may use an admin page or API. */
export interface AdminAccess {
  /** In development anyone may; otherwise only a `service_role` bearer. */
  development: boolean;
  verifyBearer: BearerVerifier;
}

/** What the shadow API reads from and judges by. */
export interface ShadowApiOptions extends AdminAccess {
  /** The observation store. */
  db: Queryable;
  /** The thresholds of each unit. @default DEFAULT_THRESHOLDS for every unit */
  thresholdsFor?: (unit: string) => VerdictThresholds;
  /** The clock `since` durations and series buckets count back from. @default () => new Date() */
  now?: () => Date;
  /** The promotion check over observations since `since` (`figway flags check`); without it, `promotion` is a 404. */
  checkPromotion?: (since: Date, now: Date) => Promise<PromotionCheck>;
}

const PREFIX = '/admin/api/shadow/';
// `dropped` is no outcome any more: the rows older stores hold are left out, so asking for them is a 400.
const OUTCOMES: readonly Outcome[] = ['matched', 'mismatched', 'noise', 'candidate_error', 'timeout'];
const MAX_BUCKETS = 500;
const MAX_LIMIT = 1000;

/**
 * Resolves when `request` may use admin pages: always in development, otherwise with
 * a `service_role` bearer. Rejects with UNAUTHENTICATED (no or a bad token) or
 * FORBIDDEN (a user or anon token); send those as 401 and 403.
 */
export async function authorizeAdmin(request: IncomingMessage, access: AdminAccess): Promise<void> {
  if (access.development) return;
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '')
    throw new FigwayError(ErrorCode.UNAUTHENTICATED, 'Admin pages need a service_role bearer token.');
  const viewer = await access.verifyBearer(header);
  if (viewer.kind !== 'service')
    throw new FigwayError(ErrorCode.FORBIDDEN, 'Admin pages need a service_role token.');
}

// The answers are live and carry observed data behind a service_role token: no browser
// or proxy cache may keep one.
const NO_STORE = { 'cache-control': 'no-store' };

const badParameter = (message: string) => new FigwayError(ErrorCode.BAD_USER_INPUT, message);

function sinceOf(params: URLSearchParams, now: Date): Date {
  const text = params.get('since') ?? '24h';
  const since = parseSince(text, now);
  if (since === null) throw badParameter(`since=${text} is not ${SINCE_FORMATS}.`);
  return since;
}

function integerOf(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max)
    throw badParameter(`${name}=${text} is not a whole number from 1 to ${max}.`);
  return value;
}

function textOf(params: URLSearchParams, name: string): string | undefined {
  const text = params.get(name);
  if (text === '') throw badParameter(`${name} is empty: leave it out to mean all.`);
  return text ?? undefined;
}

function outcomeOf(params: URLSearchParams): Outcome | undefined {
  const text = textOf(params, 'outcome');
  if (text === undefined) return undefined;
  const outcome = OUTCOMES.find((candidate) => candidate === text);
  if (outcome === undefined) throw badParameter(`outcome=${text} is not one of ${OUTCOMES.join(', ')}.`);
  return outcome;
}

type Route = (options: ShadowApiOptions, params: URLSearchParams, now: Date) => Promise<unknown>;

const unitFilter = (params: URLSearchParams) => {
  const unit = textOf(params, 'unit');
  return unit === undefined ? {} : { unit };
};

const report: Route = (options, params, now) => {
  const thresholds = options.thresholdsFor === undefined ? {} : { thresholdsFor: options.thresholdsFor };
  return buildShadowReport(options.db, {
    since: sinceOf(params, now),
    now,
    ...unitFilter(params),
    ...thresholds,
  });
};

const series: Route = async (options, params, now) => {
  const since = sinceOf(params, now);
  if (since.getTime() >= now.getTime()) throw badParameter('since must be in the past for a series.');
  const buckets = integerOf(params, 'buckets', 24, MAX_BUCKETS);
  return {
    since: since.toISOString(),
    buckets,
    series: await mismatchSeries(options.db, { since, now, buckets, ...unitFilter(params) }),
  };
};

const rates: Route = (options, params, now) => {
  const since = sinceOf(params, now);
  if (since.getTime() > now.getTime()) throw badParameter('since must not be in the future for rates.');
  return rateSeries(options.db, { since, now, ...unitFilter(params) });
};

const failures: Route = (options, params, now) =>
  candidateFailureGroups(options.db, {
    since: sinceOf(params, now),
    limit: integerOf(params, 'limit', 100, MAX_LIMIT),
    ...unitFilter(params),
  });

const observations: Route = async (options, params, now) => {
  const cohort = textOf(params, 'cohort');
  const outcome = outcomeOf(params);
  const message = textOf(params, 'message');
  return {
    observations: await listObservations(options.db, {
      ...unitFilter(params),
      ...(cohort === undefined ? {} : { cohort }),
      ...(outcome === undefined ? {} : { outcome }),
      ...(params.has('since') ? { since: sinceOf(params, now) } : {}),
      ...(message === undefined ? {} : { message }),
      limit: integerOf(params, 'limit', 50, MAX_LIMIT),
    }),
  };
};

const promotion: Route = (options, params, now) => {
  if (options.checkPromotion === undefined)
    throw new FigwayError(ErrorCode.NOT_FOUND, 'This gateway has no promotion check.');
  return options.checkPromotion(sinceOf(params, now), now);
};

const ROUTES: Readonly<Record<string, Route>> = { report, series, rates, failures, observations, promotion };

async function oneObservation(options: ShadowApiOptions, route: string): Promise<unknown> {
  const idText = /^observations\/([^/]+)$/.exec(route)?.[1];
  if (idText === undefined) throw new FigwayError(ErrorCode.NOT_FOUND, `No shadow API at ${PREFIX}${route}.`);
  const id = Number(idText);
  if (!/^\d+$/.test(idText) || !Number.isSafeInteger(id))
    throw badParameter(`${idText} is not an observation id (a whole number).`);
  const observation = await getObservation(options.db, id);
  if (observation === null) throw new FigwayError(ErrorCode.NOT_FOUND, `No observation ${id}.`);
  return observation;
}

// One function per route; each returns the JSON body.
function answer(options: ShadowApiOptions, route: string, params: URLSearchParams): Promise<unknown> {
  const now = options.now?.() ?? new Date();
  const handler = Object.hasOwn(ROUTES, route) ? ROUTES[route] : undefined;
  return handler === undefined ? oneObservation(options, route) : handler(options, params, now);
}

/**
 * The JSON API of shadow observations, for the report page and `figway report`:
 * - `GET /admin/api/shadow/report?since=24h&unit=` the ShadowReport (rates weighted by 1/sample rate);
 * - `GET /admin/api/shadow/series?since=24h&unit=&buckets=24` `{ since, buckets, series: MismatchSeries[] }`;
 * - `GET /admin/api/shadow/rates?since=24h&unit=` the RateSeriesAnswer: mismatch, candidate-error and
 *   timeout rates over the time the period's observations cover, in buckets fitted to it;
 * - `GET /admin/api/shadow/failures?since=24h&unit=&limit=100` the CandidateFailures: candidate
 *   errors and timeouts grouped by unit, cohort, outcome and message key, weighted counts and rates
 *   (`truncated` when more groups than `limit` were left out);
 * - `GET /admin/api/shadow/observations?unit=&cohort=&outcome=&since=&message=&limit=50`
 *   `{ observations: ObservationRow[] }`, newest first (`message`: a failure group's message key);
 * - `GET /admin/api/shadow/observations/<id>` one ObservationRow;
 * - `GET /admin/api/shadow/promotion?since=24h` the PromotionCheck: rules at live, rampdown or
 *   complete and those whose verdict is not ready.
 * Answers `{ error: { code, message } }` with 400 for a bad parameter or method, 401/403
 * as {@link authorizeAdmin} decides, 404 for an unknown id or route. Database errors
 * propagate to the server's 500 handler. Returns false for paths outside the API.
 */
export function createShadowApiRoutes(options: ShadowApiOptions): AdminRoutes {
  return async (request, response, pathname) => {
    if (!pathname.startsWith(PREFIX)) return false;
    try {
      await authorizeAdmin(request, options);
      if (request.method !== 'GET') throw new FigwayError(ErrorCode.BAD_REQUEST, `Use GET for ${pathname}.`);
      const url = new URL(request.url ?? '/', 'http://localhost');
      const body = await answer(options, pathname.slice(PREFIX.length), url.searchParams);
      sendJson(response, 200, body, NO_STORE);
    } catch (error) {
      if (!isAdminRefusal(error)) throw error;
      sendAdminError(response, error, NO_STORE);
    }
    return true;
  };
}
