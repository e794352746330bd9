import { observation, type StoredObservation } from './insertObservations.ts';

/** The value the page must show as text and never run. */
export const XSS_VALUE = '<script>window.__figwayXss = 1</script>';
/** A second one that only an innerHTML would turn into an element. */
export const XSS_IMAGE = '<img src=x onerror="window.__figwayXss = 2">';

const HOUR_MS = 3_600_000;
/** The hour of the last 24 (0 is the oldest) in which nothing was observed. */
const EMPTY_HOUR = 5;
const HOURS = Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => hour !== EMPTY_HOUR);

/** The rows the report has over the last 24 hours, in its order, with the verdict each must get. */
export const EXPECTED_VERDICTS = [
  { unit: 'Commitment.amount', cohort: 'staff', verdict: 'rollback' },
  { unit: 'Commitment.status', cohort: 'beta', verdict: 'hold' },
  { unit: 'Commitment.status', cohort: 'general', verdict: 'hold' },
  { unit: 'Query.commitment', cohort: 'beta', verdict: 'ready' },
];

/** The rows of the last hour: Commitment.status for cohort general was observed only earlier. */
export const LAST_HOUR_ROWS = EXPECTED_VERDICTS.filter((row) => row.cohort !== 'general').map(
  ({ unit, cohort }) => ({ unit, cohort }),
);

/** The mismatch a shadow read of legacy found: the ledger says PENDING_REVIEW. */
function detailMismatch(at: Date): StoredObservation {
  return observation(at, {
    operationName: 'CommitmentDetail',
    clientName: 'connect-web',
    clientVersion: '4.2.0',
    query: 'query CommitmentDetail($id: ID!) {\n  commitment(id: $id) { id title status }\n}',
    variables: { id: 'c0mm1t00-0000-4000-8000-000000000007' },
    outcome: 'mismatched',
    diffs: [{ path: 'commitment.status', control: 'ACTIVE', candidate: 'PENDING_REVIEW' }],
    controlMs: 12.4,
    candidateMs: 31.9,
  });
}

/** The item ids of the page mismatch's differing values. */
export const PAGE_ITEM_IDS = {
  second: 'c0mm1t00-0000-4000-8000-000000000002',
  third: 'c0mm1t00-0000-4000-8000-000000000003',
};

/**
 * A mismatch found in `live` (the target served) over a list of 3 commitments, sampled at
 * 80% while the sampler slowed down: two of them differ on status, the third also on a note
 * holding markup, as does the client name.
 */
function pageMismatch(at: Date): StoredObservation {
  return observation(at, {
    stage: 'live',
    control: 'target',
    operationName: 'CommitmentsPage',
    clientName: '<b>connect-ios</b>',
    clientVersion: null,
    query: 'query CommitmentsPage { commitments(first: 3, search: "bob\'s") { id status note } }',
    variables: null,
    outcome: 'mismatched',
    diffs: [
      { path: 'commitments[*].status', id: PAGE_ITEM_IDS.second, control: 'OPEN', candidate: 'open' },
      {
        path: 'commitments[*].status',
        id: PAGE_ITEM_IDS.third,
        control: { code: 'DONE', at: null },
        candidate: { code: 'done' },
      },
      { path: 'commitments[*].note', id: PAGE_ITEM_IDS.third, control: XSS_VALUE, candidate: XSS_IMAGE },
    ],
    controlMs: 8,
    candidateMs: 14.25,
    sampleRate: 0.8,
    items: 3,
  });
}

// Commitment.status for beta: 11 samples an hour (253), two of them mismatched, one of those
// sampled at 80% (2.25 of 253.25 comparisons, 0.888%: held back from ready), three noise,
// and two `dropped` rows as older stores hold them (left out); latencies 11.8 ms and 19.5 ms at p50.
function statusBeta(inHour: (hour: number) => Date): StoredObservation[] {
  const timed = { controlMs: 11.8, candidateMs: 19.5 };
  return HOURS.flatMap((hour) =>
    Array.from({ length: hour >= 22 ? 10 : 11 }, (_, index) =>
      observation(inHour(hour), {
        ...timed,
        outcome: index === 0 && hour <= 3 && hour >= 1 ? 'noise' : 'matched',
      }),
    ).concat(
      hour === 10 || hour === 11
        ? [observation(inHour(hour), { outcome: 'dropped', candidateMs: null })]
        : [],
    ),
  );
}

/** The candidate errors of Commitment.amount, grouped on the page by these keys, most frequent first. */
export const AMOUNT_ERRORS = [
  { key: 'ledger: connection refused', samples: 4 },
  { key: 'Commitment <uuid> is not in the target backend.', samples: 3 },
];

// Hours 0 to 3 (of the 24): refused connections; 4, 6 and 7: a commitment missing from the target.
function amountError(hour: number): string {
  if (hour < 4) return 'ledger: connection refused';
  return `Commitment 5f0c2a9e-41d7-4c3b-9a51-00000000000${hour} is not in the target backend.`;
}

function otherUnits(inHour: (hour: number) => Date): StoredObservation[] {
  // Commitment.status for general: 8 samples, all before the last hour (hold: too few).
  const general = [0, 1, 2, 3, 4, 6, 7, 8].map((hour) => observation(inHour(hour), { cohort: 'general' }));
  // Query.commitment for beta: 230 matched samples at rate 0.25, so 920 comparisons (ready).
  const query = HOURS.flatMap((hour) =>
    Array.from({ length: 10 }, () =>
      observation(inHour(hour), { unit: 'Query.commitment', sampleRate: 0.25 }),
    ),
  );
  // Commitment.amount for staff: 92 samples, 7 candidate errors (4 refused connections from
  // 23.5 to 20.5 hours ago, then 3 about three commitments missing from the target) and 2
  // timeouts: rollback.
  const amount = HOURS.flatMap((hour) =>
    Array.from({ length: 4 }, (_, index) => {
      const failed = index === 0 && hour < 10;
      return observation(inHour(hour), {
        unit: 'Commitment.amount',
        cohort: 'staff',
        outcome: failed ? (hour < 8 ? 'candidate_error' : 'timeout') : 'matched',
        candidateError: failed && hour < 8 ? amountError(hour) : null,
        candidateMs: failed ? null : 12,
      });
    }),
  );
  return [...general, ...query, ...amount];
}

/**
 * Observations of the 24 hours before `now`, each in the middle of its hour so that a page
 * asking a few seconds later buckets it the same way; the first two are the mismatches of
 * Commitment.status that the drill-down lists (the detail one, then the newer page one).
 */
export function shadowPageObservations(now: number): StoredObservation[] {
  const inHour = (hour: number) => new Date(now - (23.5 - hour) * HOUR_MS);
  return [detailMismatch(inHour(22)), pageMismatch(inHour(23)), ...statusBeta(inHour), ...otherUnits(inHour)];
}
