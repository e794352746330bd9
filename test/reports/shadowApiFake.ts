import type { ServerResponse } from 'node:http';
import type {
  MismatchSeries,
  ObservationRow,
  ShadowReport,
  UnitCohortReport,
} from '../../src/reports/shadowReportTypes.ts';
import type { AdminRoutes } from '../../src/server/adminRoutes.ts';

// A fake of the shadow JSON API (src/server/shadowApiRoutes.ts, written by another engineer):
// fixed data shaped by src/reports/shadowReportTypes.ts, so the page and the browser that run
// against it are real while the API is not a dependency of these tests. The list endpoints
// answer `{ series }` / `{ observations }` as that API does, or bare arrays as first specified.

/** The value the page must show as text and never run. */
export const XSS_VALUE = '<script>window.__figwayXss = 1</script>';
/** A second one that only an innerHTML would turn into an element. */
export const XSS_IMAGE = '<img src=x onerror="window.__figwayXss = 2">';

function unitReport(fields: Partial<UnitCohortReport> & Pick<UnitCohortReport, 'unit' | 'cohort'>) {
  const base: UnitCohortReport = {
    unit: fields.unit,
    cohort: fields.cohort,
    samples: 0,
    matched: 0,
    mismatched: 0,
    noise: 0,
    candidateErrors: 0,
    timeouts: 0,
    dropped: 0,
    mismatchRate: 0,
    noiseRate: 0,
    candidateErrorRate: 0,
    timeoutRate: 0,
    controlLatency: { p50: null, p99: null },
    candidateLatency: { p50: null, p99: null },
    topPaths: [],
    verdict: 'hold',
    reason: '',
  };
  const report = { ...base, ...fields };
  const rate = (n: number) => (report.samples === 0 ? 0 : n / report.samples);
  return {
    ...report,
    mismatchRate: rate(report.mismatched),
    noiseRate: rate(report.noise),
    candidateErrorRate: rate(report.candidateErrors),
    timeoutRate: rate(report.timeouts),
  };
}

/** The report rows: one unit per verdict, and one unit in two cohorts. */
export const UNIT_REPORTS: UnitCohortReport[] = [
  unitReport({
    unit: 'Commitment.status',
    cohort: 'beta',
    samples: 1240,
    matched: 1228,
    mismatched: 9,
    noise: 3,
    dropped: 2,
    controlLatency: { p50: 11.8, p99: 48 },
    candidateLatency: { p50: 19.5, p99: 96 },
    topPaths: [
      {
        path: 'commitment.status',
        count: 7,
        example: { observationId: 4107, control: 'ACTIVE', candidate: 'PENDING_REVIEW' },
      },
    ],
    verdict: 'hold',
    reason: 'Mismatch rate 0.73% is above the 0.10% maximum.',
  }),
  unitReport({
    unit: 'Commitment.status',
    cohort: 'general',
    samples: 8,
    matched: 8,
    controlLatency: { p50: 12, p99: 20 },
    candidateLatency: { p50: 18, p99: 25 },
    verdict: 'hold',
    reason: '8 samples, fewer than the 100 needed.',
  }),
  unitReport({
    unit: 'Query.commitment',
    cohort: 'beta',
    samples: 5230,
    matched: 5226,
    mismatched: 2,
    noise: 2,
    controlLatency: { p50: 9.2, p99: 31 },
    candidateLatency: { p50: 7.9, p99: 28 },
    verdict: 'ready',
    reason: 'Mismatch rate 0.038% is within the 0.10% maximum over 5,230 samples.',
  }),
  unitReport({
    unit: 'Commitment.amount',
    cohort: 'staff',
    samples: 400,
    matched: 362,
    mismatched: 4,
    candidateErrors: 32,
    timeouts: 2,
    controlLatency: { p50: 10, p99: 40 },
    candidateLatency: { p50: 150, p99: 2000 },
    verdict: 'rollback',
    reason: 'Candidate error rate 8.5% is above 5%.',
  }),
];

const OBSERVATIONS: ObservationRow[] = [
  {
    id: 4107,
    at: '2031-03-04T10:15:00.000Z',
    unit: 'Commitment.status',
    stage: 'shadow',
    control: 'legacy',
    cohort: 'beta',
    operationName: 'CommitmentDetail',
    clientName: 'connect-web',
    clientVersion: '4.2.0',
    query: 'query CommitmentDetail($id: ID!) {\n  commitment(id: $id) { id title status }\n}',
    variables: { id: 'c0mm1t00-0000-4000-8000-000000000007' },
    outcome: 'mismatched',
    diffs: [{ path: 'commitment.status', control: 'ACTIVE', candidate: 'PENDING_REVIEW' }],
    controlMs: 12.4,
    candidateMs: 31.9,
    controlError: null,
    candidateError: null,
  },
  {
    id: 4112,
    at: '2031-03-04T10:20:00.000Z',
    unit: 'Commitment.status',
    stage: 'live',
    control: 'target',
    cohort: 'beta',
    operationName: 'CommitmentsPage',
    clientName: '<b>connect-ios</b>',
    clientVersion: null,
    query: 'query CommitmentsPage { commitments(first: 3, search: "bob\'s") { id status note } }',
    variables: null,
    outcome: 'mismatched',
    diffs: [
      { path: 'commitments.2.status', control: { code: 'DONE', at: null }, candidate: { code: 'done' } },
      { path: 'commitments.2.note', control: XSS_VALUE, candidate: XSS_IMAGE },
    ],
    controlMs: 8,
    candidateMs: 14.25,
    controlError: null,
    candidateError: null,
  },
];

function series(unit: string, now: number, rateOf: (hour: number) => number): MismatchSeries {
  const points = Array.from({ length: 24 }, (_, hour) => {
    const samples = hour === 5 ? 0 : 50 + hour;
    return {
      start: new Date(now - (24 - hour) * 3_600_000).toISOString(),
      samples,
      mismatches: Math.round(samples * rateOf(hour)),
    };
  });
  return { unit, points };
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** A fake of the shadow JSON API and the requests it saw. */
export interface ShadowApiFake {
  routes: AdminRoutes;
  /** Every request URL the fake answered, in order. */
  requests: URL[];
}

/** How the fake answers the list endpoints: `{ series: [...] }` or a bare array. */
export type ListShape = 'wrapped' | 'bare';

/** Serves the four shadow API endpoints from fixed data; with a token, only to `Bearer <token>`. */
export function createShadowApiFake(options: { token: string | null; shape?: ListShape }): ShadowApiFake {
  const list = (key: string, items: unknown[]) => (options.shape === 'bare' ? items : { [key]: items });
  const requests: URL[] = [];
  const routes: AdminRoutes = async (request, response, pathname) => {
    if (!pathname.startsWith('/admin/api/shadow/')) return false;
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(url);
    if (options.token !== null && request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, { error: { code: 'UNAUTHENTICATED', message: 'A service_role token is needed.' } });
      return true;
    }
    const params = url.searchParams;
    const now = Date.now();
    const byId = /^\/admin\/api\/shadow\/observations\/(\d+)$/.exec(pathname);
    if (pathname === '/admin/api/shadow/report') {
      const report: ShadowReport = {
        generatedAt: new Date(now).toISOString(),
        since: params.get('since') ?? new Date(now - 86_400_000).toISOString(),
        units: UNIT_REPORTS,
      };
      send(response, 200, report);
    } else if (pathname === '/admin/api/shadow/series') {
      const all = [
        series('Commitment.status', now, (hour) => (hour > 16 ? 0.02 : 0.004)),
        series('Query.commitment', now, () => 0),
        series('Commitment.amount', now, (hour) => (hour % 3 === 0 ? 0.01 : 0)),
      ];
      send(response, 200, list('series', all));
    } else if (pathname === '/admin/api/shadow/observations') {
      const rows = OBSERVATIONS.filter(
        (row) =>
          (params.get('unit') === null || row.unit === params.get('unit')) &&
          (params.get('outcome') === null || row.outcome === params.get('outcome')),
      );
      send(response, 200, list('observations', rows.slice(0, Number(params.get('limit') ?? 50))));
    } else if (byId?.[1] !== undefined) {
      const row = OBSERVATIONS.find((candidate) => candidate.id === Number(byId[1]));
      if (row === undefined)
        send(response, 404, { error: { code: 'NOT_FOUND', message: 'No such observation.' } });
      else send(response, 200, row);
    } else {
      send(response, 404, { error: { code: 'NOT_FOUND', message: `Nothing at ${pathname}.` } });
    }
    return true;
  };
  return { routes, requests };
}
