import type { PromotionCheck } from '../promotionCheckTypes.js';
import type {
  CandidateFailures,
  MismatchSeries,
  ObservationRow,
  RateSeriesAnswer,
  ShadowReport,
} from '../shadowReportTypes.js';

/** What `GET /admin/api/shadow/series` answers. */
export interface SeriesAnswer {
  since: string;
  buckets: number;
  series: MismatchSeries[];
}

/** What `GET /admin/api/shadow/observations` answers: newest first. */
export interface ObservationsAnswer {
  observations: ObservationRow[];
}

/** Which observations `GET /admin/api/shadow/observations` lists; `message` is a failure group's key. */
export interface ObservationQuery {
  unit: string;
  outcome: ObservationRow['outcome'];
  since: string;
  limit: number;
  cohort?: string;
  message?: string;
}

/** The page's client of the shadow JSON API (src/server/shadowApiRoutes.ts), typed by its answers. */
export interface ShadowApi {
  report(since: string): Promise<ShadowReport>;
  series(since: string, buckets: number): Promise<SeriesAnswer>;
  rates(since: string): Promise<RateSeriesAnswer>;
  failures(since: string): Promise<CandidateFailures>;
  observations(query: ObservationQuery): Promise<ObservationsAnswer>;
  observation(id: number): Promise<ObservationRow>;
  promotion(since: string): Promise<PromotionCheck>;
}

type Query = Readonly<Record<string, string>>;

function errorDetail(body: unknown, text: string): string {
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return error === undefined ? text.slice(0, 200) : String(error);
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): the caller reports the text itself instead.
    return null;
  }
}

/**
 * A client of the shadow API that sends `token` (when not null) as `Authorization: Bearer`,
 * and rejects with an Error naming the route, the HTTP status and the API's message, plus a
 * hint about `?token=` on a 401 or 403.
 */
export function createShadowApi(token: string | null): ShadowApi {
  // The API and the page are served by the same gateway from the same sources: its answers
  // have the types above, so they are trusted here rather than checked field by field.
  async function get<T>(path: string, query: Query = {}): Promise<T> {
    const search = new URLSearchParams(query);
    const url = path + (search.size > 0 ? `?${search.toString()}` : '');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { headers, credentials: 'same-origin' });
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? ' Open this page with ?token=<service_role JWT>.'
          : '';
      throw new Error(`GET ${path} answered ${response.status}: ${errorDetail(body, text)}${hint}`);
    }
    return body as T;
  }
  return {
    report: (since) => get<ShadowReport>('/admin/api/shadow/report', { since }),
    series: (since, buckets) =>
      get<SeriesAnswer>('/admin/api/shadow/series', { since, buckets: String(buckets) }),
    rates: (since) => get<RateSeriesAnswer>('/admin/api/shadow/rates', { since }),
    failures: (since) => get<CandidateFailures>('/admin/api/shadow/failures', { since }),
    observations: ({ limit, ...query }) =>
      get<ObservationsAnswer>('/admin/api/shadow/observations', { ...query, limit: String(limit) }),
    observation: (id) => get<ObservationRow>(`/admin/api/shadow/observations/${encodeURIComponent(id)}`),
    promotion: (since) => get<PromotionCheck>('/admin/api/shadow/promotion', { since }),
  };
}
