/**
 * A fake of a Supabase project's PostgREST endpoint (`/rest/v1/`), for tests of the
 * legacy `rest` transport: PostgREST cannot be installed on the project's machines.
 * It verifies the bearer JWT like PostgREST (HS256, shared secret), then runs one SQL
 * statement in a transaction after the same `set_config('role', ...)` and
 * `set_config('request.jwt.claims', ...)` PostgREST runs, so row-level security in the
 * real database decides what each caller sees and may change.
 *
 * It serves exactly what the transport sends: GET/HEAD `/<table>?select=*` with
 * `col=eq|neq|lt|lte|gt|gte|in|is.v`, `or=(...)` / `and=(...)` with nested `and(...)`
 * and `or(...)`, `order=col.desc,...`, `limit`, `offset`; POST with a JSON object or
 * array; PATCH with filters; `Prefer: return=representation`; and
 * `Accept: application/vnd.pgrst.object+json` (exactly one row or 406 PGRST116).
 * Errors answer like PostgREST: `{ code: SQLSTATE, message, details, hint }` with 401
 * (42501 as anon), 403 (42501), 409 (23505, 23503), 404 (42P01) or 400.
 *
 * Not implemented, unlike real PostgREST: column lists and embedded resources in
 * `select`; `not.` and the other operators (like, ilike, fts, cs, cd, ...); DELETE,
 * upserts (`on_conflict`, `resolution=`), RPC (`/rpc/...`); `Prefer: count=`,
 * `missing=default`, `tx=rollback`, `max-affected`; inserting `{}` (DEFAULT VALUES);
 * Range headers; schemas other than `public` (Accept-Profile); the
 * `request.method`/`request.headers` settings and `db-pre-request`; the `aud` check
 * (`jwt-aud`) and JWKS keys; the OpenAPI root; Supabase's pg-safeupdate (an
 * unfiltered PATCH is allowed here); error codes beyond the few mapped below. Only
 * the five Connect tables are exposed. Without any token it answers 401, as
 * Supabase's API gateway does when the `apikey` is missing (bare PostgREST would
 * use the anon role).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWTPayload, jwtVerify } from 'jose';
import { type Database, sqlState } from '../../src/core/database.ts';
import {
  FAKE_TABLES,
  type FakeStatement,
  insertStatement,
  PostgrestRequestError,
  selectStatement,
  updateStatement,
} from './postgrestQuery.ts';

/** What {@link startPostgrestFake} serves: a migrated legacy database and its JWT secret. */
export interface PostgrestFakeOptions {
  db: Database;
  /** The HS256 secret tokens must be signed with (Supabase's JWT secret). */
  jwtSecret: string;
}

/** A running fake; `url` is the project URL to give supabase-js. */
export interface PostgrestFake {
  url: string;
  /** How many HTTP requests the fake has received. */
  readonly requests: number;
  close(): Promise<void>;
}

// The same statement PostgREST runs before each request, and the postgres transport too.
const AS_VIEWER = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";
const API_ROLES = new Set(['anon', 'authenticated', 'service_role']);
const MAX_BODY_BYTES = 1_000_000;

interface Caller {
  role: string;
  claims: JWTPayload;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function unauthorized(message: string): PostgrestRequestError {
  return new PostgrestRequestError(401, 'PGRST301', message);
}

// Supabase's gateway puts the apikey in Authorization when the client sent none.
function tokenOf(request: IncomingMessage): string {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match?.[1] === undefined) throw unauthorized('Expected "Authorization: Bearer <jwt>"');
    return match[1];
  }
  const apikey = request.headers.apikey;
  if (typeof apikey === 'string' && apikey !== '') return apikey;
  throw unauthorized('No API key found in request');
}

async function callerOf(request: IncomingMessage, key: Uint8Array): Promise<Caller> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(tokenOf(request), key, { algorithms: ['HS256'] }));
  } catch (error) {
    if (error instanceof PostgrestRequestError) throw error;
    throw unauthorized(`JWT rejected: ${error instanceof Error ? error.message : String(error)}`);
  }
  const role = claims.role ?? 'anon';
  // Real PostgREST would SET ROLE to anything the claim names; the fake admits only the API roles.
  if (typeof role !== 'string' || !API_ROLES.has(role))
    throw unauthorized(`role "${String(role)}" is not allowed`);
  return { role, claims };
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PostgrestRequestError(413, 'PGRST102', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new PostgrestRequestError(400, 'PGRST102', 'Empty or invalid json');
  }
}

function statementFor(method: string, table: string, search: URLSearchParams, body: unknown): FakeStatement {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return selectStatement(table, search);
    case 'POST':
      return insertStatement(table, search, body);
    case 'PATCH':
      return updateStatement(table, search, body);
    default:
      throw new PostgrestRequestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
  }
}

function statusOfSqlState(code: string, role: string | null): number {
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '23505' || code === '23503') return 409;
  if (code === '42P01' || code === '42883') return 404;
  if (code.startsWith('08') || code.startsWith('53')) return 503;
  if (code.startsWith('XX') || code.startsWith('57') || code.startsWith('58')) return 500;
  return 400;
}

function errorAnswer(error: unknown, role: string | null): Answer {
  if (error instanceof PostgrestRequestError) {
    return {
      status: error.status,
      body: { code: error.code, message: error.message, details: null, hint: null },
    };
  }
  const code = sqlState(error);
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  return {
    status: code === undefined ? 500 : statusOfSqlState(code, role),
    body: { code: code ?? 'PGRST000', message, details: fields.detail ?? null, hint: fields.hint ?? null },
  };
}

function successAnswer(request: IncomingMessage, rows: unknown[], singular: boolean): Answer {
  const body = singular ? rows[0] : rows;
  const range = rows.length === 0 ? '*/*' : `0-${rows.length - 1}/*`;
  switch (request.method) {
    case 'GET':
      return { status: 200, body, headers: { 'Content-Range': range } };
    case 'HEAD':
      return { status: 200, headers: { 'Content-Range': range } };
    default: {
      const representation = (request.headers.prefer ?? '').includes('return=representation');
      if (!representation) return { status: request.method === 'POST' ? 201 : 204 };
      return { status: request.method === 'POST' ? 201 : 200, body };
    }
  }
}

async function answer(request: IncomingMessage, db: Database, key: Uint8Array): Promise<Answer> {
  const url = new URL(request.url ?? '/', 'http://postgrest.fake');
  const table = /^\/rest\/v1\/([^/]+)$/.exec(url.pathname)?.[1];
  if (table === undefined || !FAKE_TABLES.has(table)) {
    return errorAnswer(
      new PostgrestRequestError(404, 'PGRST205', `Could not find the table 'public.${table}'`),
      null,
    );
  }
  let caller: Caller | null = null;
  try {
    caller = await callerOf(request, key);
    const statement = statementFor(request.method ?? 'GET', table, url.searchParams, await bodyOf(request));
    const singular = (request.headers.accept ?? '').includes('application/vnd.pgrst.object+json');
    const { role, claims } = caller;
    const rows = await db.transaction(async (tx) => {
      await tx.query(AS_VIEWER, [role, JSON.stringify(claims)]);
      const found = await tx.query(statement.text, statement.params);
      // Throwing rolls the write back, as PostgREST does when a singular answer is impossible.
      if (singular && found.length !== 1) {
        throw new PostgrestRequestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object');
      }
      return found.map((row) => row.row);
    });
    return successAnswer(request, rows, singular);
  } catch (error) {
    return errorAnswer(error, caller?.role ?? null);
  }
}

function send(response: ServerResponse, reply: Answer): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 401) headers['WWW-Authenticate'] = 'Bearer';
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  headers['Content-Type'] = 'application/json; charset=utf-8';
  response.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
}

/** Starts the fake on 127.0.0.1 on a free port; `close()` stops it and drops open connections. */
export async function startPostgrestFake(options: PostgrestFakeOptions): Promise<PostgrestFake> {
  const key = new TextEncoder().encode(options.jwtSecret);
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    answer(request, options.db, key).then(
      (reply) => send(response, reply),
      (error: unknown) => send(response, errorAnswer(error, null)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
