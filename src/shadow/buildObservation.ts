import type { Observation } from '../core/observation.ts';
import { type Selections, selectionsOfQuery } from './fieldNames.ts';
import { idsAreUserIds, keyedHash, redactDiffs, redactVariables } from './redact.ts';
import type { ShadowStep } from './reportInternalError.ts';
import type { RequestFacts } from './shadowRunner.ts';

/** What an observation holds instead of a value whose redaction failed: never the raw value. */
export const REDACTION_FAILED = '(redaction failed)';

/** What {@link buildObservation} needs: the request, the comparison, and how to redact. */
export interface ObservationParts {
  facts: RequestFacts;
  base: Pick<Observation, 'unit' | 'stage' | 'control' | 'operationName'>;
  /** The comparison's results; `diffs` unredacted. */
  rest: Partial<Observation> & Pick<Observation, 'outcome' | 'sampleRate' | 'items'>;
  /** Diff paths (by field names) whose values are hashed (the unit's `redact` setting). */
  redact: readonly string[];
  salt: string;
  at: string;
  /** Hears a failure of redaction (step `redact`); the observation is built regardless. */
  raised: (step: ShadowStep, error: unknown) => void;
}

/**
 * Builds an observation with the user id hashed and variables and diffs redacted (the
 * user id and variables once per request: its observations share them). The ids of a
 * `Profile.*` unit's diffs are user ids, hashed as the user id is.
 * Never throws: a redaction that fails is reported and its value is replaced by
 * {@link REDACTION_FAILED}, so the comparison is still recorded and nothing leaks.
 */
export function buildObservation(parts: ObservationParts): Observation {
  const { facts, base, rest, salt } = parts;
  const redacted = <T>(attempt: () => T, fallback: T): T => {
    try {
      return attempt();
    } catch (error) {
      parts.raised('redact', error);
      return fallback;
    }
  };
  const diffs = rest.diffs ?? [];
  const hashIds = idsAreUserIds(base.unit);
  // A diff whose comparison noted no field it was answered from (a subscription's) is read
  // against the request's document, parsed only then.
  const selections = (): Selections | null =>
    facts.query === null ? null : selectionsOfQuery(facts.query, facts.operationName);
  return {
    at: parts.at,
    ...base,
    ...requestPartsOf(facts, salt, redacted),
    controlMs: null,
    candidateMs: null,
    controlError: null,
    candidateError: null,
    ...rest,
    diffs: redacted(
      () => redactDiffs(diffs, parts.redact, salt, { hashIds, selections }),
      diffs.map((diff) => ({
        path: diff.path,
        ...(diff.id === undefined ? {} : { id: hashIds ? REDACTION_FAILED : diff.id }),
        control: REDACTION_FAILED,
        candidate: REDACTION_FAILED,
      })),
    ),
  };
}

/** What every observation of one request shares: who asked (hashed), with what (redacted). */
type RequestParts = Pick<
  Observation,
  'cohort' | 'userHash' | 'clientName' | 'clientVersion' | 'query' | 'variables'
>;

// A request's observations (one per unit) hash the user id and redact the variables once.
const requestParts = new WeakMap<RequestFacts, { salt: string; parts: RequestParts }>();

function requestPartsOf(
  facts: RequestFacts,
  salt: string,
  redacted: <T>(attempt: () => T, fallback: T) => T,
): RequestParts {
  const known = requestParts.get(facts);
  if (known !== undefined && known.salt === salt) return known.parts;
  const { viewer } = facts;
  const parts: RequestParts = {
    cohort: viewer.kind === 'user' ? viewer.cohort : null,
    userHash:
      viewer.kind === 'anonymous' || viewer.id === null
        ? null
        : redacted(() => keyedHash(viewer.id, salt), REDACTION_FAILED),
    clientName: facts.clientName,
    clientVersion: facts.clientVersion,
    query: facts.query,
    variables: redacted(() => redactVariables(facts.variables, salt), REDACTION_FAILED),
  };
  requestParts.set(facts, { salt, parts });
  return parts;
}
