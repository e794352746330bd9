import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { BackendEvents, Row } from '../../core/database.ts';
import { ErrorCode, type FigwayError } from '../../errors.ts';
import type {
  CommitmentCursor,
  CommitmentPageQuery,
  CommitmentStatus,
  ConnectStore,
  NewCommitment,
  PartyRole,
} from '../connectStore.ts';
import { isUuid } from '../connectStore.ts';
import {
  currentRequestBudget,
  type RequestBudget,
  requestTimeoutError,
  unknownWriteTimeoutError,
} from '../requestBudget.ts';
import { unansweredWriteError } from '../unansweredWriteError.ts';
import { ANONYMOUS, type Viewer } from '../viewer.ts';
import { legacyError } from './legacyError.ts';
import { toCommitment, toCommitmentType, toDocument, toParty, toProfile } from './rows.ts';

/** Options for {@link createRestTransport}. */
export interface RestTransportOptions {
  /** The Supabase project URL, e.g. `https://<ref>.supabase.co`; PostgREST answers under `/rest/v1`. */
  url: string;
  /** The project's anon key: sent as `apikey`, and as the bearer token of anonymous viewers. */
  anonKey: string;
  /** The fetch every request goes through. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Where failures of the project (unreachable, 5xx) and requests cut by a time budget are reported. */
  events?: BackendEvents;
}

/** What a supabase-js query resolves to, narrowed to what this transport reads. */
interface RestAnswer {
  data: unknown;
  error: { code?: string; message: string } | null;
  status: number;
}

/** One call of the transport: the viewer's client, the request's budget, and where failures go. */
interface RestCall {
  client: SupabaseClient;
  budget: RequestBudget | undefined;
  events: BackendEvents | undefined;
  /** Set when its request went out with time left: it may have reached the project. */
  sent: boolean;
}

// A request that failed for the project's sake (no answer, a 5xx, an unknown code)
// is reported with its cause; refusals of the caller's input are not.
function reported(call: RestCall, error: FigwayError, cause: Error): FigwayError {
  if (error.code === ErrorCode.BACKEND_UNAVAILABLE) call.events?.backendFailed(cause, 'statement');
  return error;
}

// postgrest-js never throws: a request that got no HTTP answer (refused, reset,
// DNS, aborted at the budget's deadline) comes back with status 0 and a code that
// is not a SQLSTATE, so only an answer from the server may pass its code on to legacyError.
// PostgREST does not roll back a write whose client hung up: a write that went out and
// got no answer may have been made, and says so (`outcome: 'unknown'`).
function failureOf(call: RestCall, answer: RestAnswer, write: boolean): FigwayError {
  const unanswered = answer.status === 0 && write && call.sent;
  if (answer.status === 0 && call.budget?.spent() === true) {
    call.events?.timedOut();
    return unanswered
      ? unknownWriteTimeoutError(call.budget.timeoutMs, 'legacy', 'the legacy backend')
      : requestTimeoutError(call.budget.timeoutMs);
  }
  const message = answer.error?.message ?? `HTTP ${answer.status}`;
  const code = answer.status === 0 ? undefined : answer.error?.code;
  const cause = Object.assign(new Error(message), { code });
  if (!unanswered) return reported(call, legacyError({ code, message }), cause);
  return reported(call, unansweredWriteError('legacy'), cause);
}

async function rowsOf(call: RestCall, request: PromiseLike<RestAnswer>, write = false): Promise<Row[]> {
  if (call.budget?.spent() === true) {
    call.events?.timedOut();
    throw requestTimeoutError(call.budget.timeoutMs);
  }
  let answer: RestAnswer;
  try {
    answer = await request;
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw reported(call, legacyError({ code: undefined, message: String(error) }), cause);
  }
  if (answer.error !== null) throw failureOf(call, answer, write);
  if (Array.isArray(answer.data)) return answer.data as Row[];
  return answer.data === null || answer.data === undefined ? [] : [answer.data as Row];
}

async function oneOf<T>(call: RestCall, request: PromiseLike<RestAnswer>, map: (row: Row) => T): Promise<T> {
  const [row] = await rowsOf(call, request, true);
  if (row === undefined) throw legacyError({ code: undefined, message: 'insert returned no row' });
  return map(row);
}

// PostgREST reads `,`, `.`, `:` and parentheses inside or=(...) as syntax;
// a double-quoted value is taken literally.
function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The keyset condition `(created_at, id) < (after.createdAt, after.id)` in PostgREST's `or` syntax. */
function keysetBefore(after: CommitmentCursor): string {
  const createdAt = quoted(after.createdAt);
  return `created_at.lt.${createdAt},and(created_at.eq.${createdAt},id.lt.${quoted(after.id)})`;
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `createRestTransport: url "${url}" is not a URL; pass the project URL, e.g. https://<ref>.supabase.co.`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`createRestTransport: url "${url}" must be http(s), e.g. https://<ref>.supabase.co.`);
  }
  return url;
}

// postgrest-js retries failed GETs three times over 7 s; the gateway has its own
// timeouts and fallbacks, so a legacy project that is down must fail at once.
function read(call: RestCall, table: string) {
  return call.client.from(table).select('*').retry(false);
}

async function byIds<T>(
  call: RestCall,
  table: string,
  ids: readonly string[],
  map: (row: Row) => T,
  by: { column: string; order: readonly string[] } = { column: 'id', order: [] },
): Promise<T[]> {
  const wanted = [...new Set(ids.filter(isUuid))];
  if (wanted.length === 0) return [];
  let request = read(call, table).in(by.column, wanted);
  for (const name of by.order) request = request.order(name, { ascending: true });
  return (await rowsOf(call, request)).map(map);
}

async function commitmentPage(call: RestCall, query: CommitmentPageQuery) {
  let request = read(call, 'commitments');
  if (query.status !== null) request = request.eq('status', query.status);
  if (query.after !== null) request = request.or(keysetBefore(query.after));
  request = request
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(query.limit);
  return (await rowsOf(call, request)).map(toCommitment);
}

async function moveStatus(call: RestCall, id: string, from: CommitmentStatus, to: CommitmentStatus) {
  const request = call.client
    .from('commitments')
    .update({ status: to })
    .eq('id', id)
    .eq('status', from)
    .select();
  const [row] = await rowsOf(call, request, true);
  return row === undefined ? null : toCommitment(row);
}

function insertOne<T>(
  call: RestCall,
  table: string,
  values: Record<string, unknown>,
  map: (row: Row) => T,
): Promise<T> {
  return oneOf(call, call.client.from(table).insert(values).select().single(), map);
}

// Network errors raised before a connection was made: nothing was sent.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function neverConnected(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && NOT_SENT.has(code);
}

// Every HTTP request of a call is aborted at its request's deadline, and the call
// records whether it went out: once fetch has it with time left, it may reach the project.
function boundedFetch(base: typeof fetch, budget: RequestBudget | undefined, call: { sent: boolean }) {
  const bounded: typeof fetch = async (input, init) => {
    const signals = [init?.signal, budget?.signal()].filter((one) => one instanceof AbortSignal);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    // fetch rejects an aborted signal before it sends anything.
    if (signal?.aborted !== true) call.sent = true;
    try {
      return await base(input, signal === undefined ? init : { ...init, signal });
    } catch (error) {
      if (neverConnected(error)) call.sent = false;
      throw error;
    }
  };
  return bounded;
}

/**
 * The legacy adapter that talks to a Supabase project through PostgREST with
 * `@supabase/supabase-js`, forwarding each viewer's own JWT (the anon key for
 * anonymous viewers), so row-level security decides exactly as it does for the
 * frontend. It answers like `createPostgresTransport`: same order, same
 * filtering, same error codes; a project that cannot be reached is BACKEND_UNAVAILABLE.
 * A write that went out and got no answer (the budget ran out, the connection broke)
 * may have been made: its error carries `extensions.outcome: 'unknown'`.
 * Throws at once when `url` is not an http(s) URL.
 */
export function createRestTransport(options: RestTransportOptions): ConnectStore {
  const url = checkedUrl(options.url);

  // One client per call: the Authorization header is the viewer's, and a client
  // costs about 0.1 ms to build, far below a round trip to the project.
  function clientFor(viewer: Viewer): RestCall {
    const token = viewer.kind === 'anonymous' ? options.anonKey : viewer.token;
    const budget = currentRequestBudget();
    // What the fetch records on `delivery` is the call's own: it becomes the call.
    const delivery = { sent: false };
    const client = createClient(url, options.anonKey, {
      global: {
        headers: { Authorization: `Bearer ${token}` },
        fetch: boundedFetch(options.fetch ?? globalThis.fetch, budget, delivery),
      },
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    return Object.assign(delivery, { client, budget, events: options.events });
  }

  return {
    name: `supabase/rest (${new URL(url).host})`,
    profilesByIds: (viewer, ids) => byIds(clientFor(viewer), 'profiles', ids, toProfile),
    commitmentTypesByIds: (viewer, ids) =>
      byIds(clientFor(viewer), 'commitment_types', ids, toCommitmentType),
    async listCommitmentTypes(viewer) {
      const call = clientFor(viewer);
      return (await rowsOf(call, read(call, 'commitment_types').order('name'))).map(toCommitmentType);
    },
    commitmentsByIds: (viewer, ids) => byIds(clientFor(viewer), 'commitments', ids, toCommitment),
    listCommitments: (viewer, query) => commitmentPage(clientFor(viewer), query),
    partiesByCommitmentIds: (viewer, ids) =>
      byIds(clientFor(viewer), 'commitment_parties', ids, toParty, {
        column: 'commitment_id',
        order: ['joined_at', 'id'],
      }),
    documentsByCommitmentIds: (viewer, ids) =>
      byIds(clientFor(viewer), 'commitment_documents', ids, toDocument, {
        column: 'commitment_id',
        order: ['uploaded_at', 'name', 'version'],
      }),
    createCommitment: (viewer, input: NewCommitment) =>
      insertOne(
        clientFor(viewer),
        'commitments',
        { title: input.title, description: input.description, type_id: input.typeId, terms: input.terms },
        toCommitment,
      ),
    updateCommitmentStatus: (viewer, id, from, to) => moveStatus(clientFor(viewer), id, from, to),
    addParty: (viewer, commitmentId, profileId, role: PartyRole) =>
      insertOne(
        clientFor(viewer),
        'commitment_parties',
        { commitment_id: commitmentId, profile_id: profileId, role },
        toParty,
      ),
    attachDocument: (viewer, commitmentId, name, url) =>
      insertOne(
        clientFor(viewer),
        'commitment_documents',
        { commitment_id: commitmentId, name, url },
        toDocument,
      ),
    async ping() {
      const anonymous = clientFor(ANONYMOUS);
      await rowsOf(anonymous, read(anonymous, 'commitment_types').limit(0));
    },
    // Nothing to release: every call is one HTTP request on fetch's shared pool.
    close: async () => {},
  };
}
