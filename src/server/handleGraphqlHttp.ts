import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { createRequestBudget, type RequestBudget, withinRequestBudget } from '../backends/requestBudget.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { ClientDisconnectedError } from './clientDisconnect.ts';
import { parseJsonBody, readBody } from './readBody.ts';

/** Sends a GraphQL-shaped error response for a request that never reached Apollo. */
export function sendRequestError(response: ServerResponse, error: FigwayError) {
  const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 400;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] }));
}

// What a GraphQL POST may carry (GraphQL over HTTP); urql, Apollo Client and fetch-based
// executors send application/json. Any other type (text/plain, a form) is what a page on
// another site can send without a preflight, and its body was never meant as GraphQL.
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/graphql-response+json']);

/** BAD_REQUEST unless a POST's content type is JSON; GET carries no body and is not checked. */
function refuseNonJsonPost(request: IncomingMessage): FigwayError | null {
  if (request.method !== 'POST') return null;
  const header = request.headers['content-type'];
  const mediaType = header?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (JSON_MEDIA_TYPES.has(mediaType)) return null;
  const sent = header === undefined ? 'none' : JSON.stringify(header.slice(0, 100));
  return new FigwayError(
    ErrorCode.BAD_REQUEST,
    `A GraphQL POST must be sent with content-type: application/json (this one has ${sent}).`,
  );
}

/**
 * Serves one GraphQL-over-HTTP request with Apollo, the gateway's or a target
 * service's: refuses a POST whose body is not declared as JSON (BAD_REQUEST),
 * reads the body within the size limit, parses JSON, builds the context
 * (auth happens there, before any data is touched) and writes Apollo's response,
 * streamed when it is chunked.
 */
export async function handleGraphqlHttp<C extends BaseContext>(
  apollo: ApolloServer<C>,
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    maxBodyBytes: number;
    /** The request's time budget for backend work; see {@link createRequestBudget}. @default 10000 */
    requestTimeoutMs?: number;
    context: (request: IncomingMessage, body: unknown) => Promise<C>;
  },
) {
  const budget = createRequestBudget(options.requestTimeoutMs ?? 10_000);
  try {
    await serveWithin(budget, apollo, request, response, options);
  } finally {
    budget.end();
  }
}

async function serveWithin<C extends BaseContext>(
  budget: RequestBudget,
  apollo: ApolloServer<C>,
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    maxBodyBytes: number;
    context: (request: IncomingMessage, body: unknown) => Promise<C>;
  },
) {
  const refusal = refuseNonJsonPost(request);
  if (refusal !== null) return sendRequestError(response, refusal);
  let body: unknown;
  try {
    body =
      request.method === 'POST' ? parseJsonBody(await readBody(request, options.maxBodyBytes)) : undefined;
  } catch (error) {
    if (error instanceof FigwayError) return sendRequestError(response, error);
    throw error;
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  // Every backend call made while executing (DataLoaders, shadow reads, the ledger) sees the budget.
  const result = await withinRequestBudget(budget, () =>
    apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: () => options.context(request, body),
    }),
  );
  // The client hung up while the operation ran: there is nobody to answer.
  if (response.destroyed) throw new ClientDisconnectedError('The client hung up before its answer was sent.');
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}
