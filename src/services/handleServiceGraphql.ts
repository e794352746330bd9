import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { createRequestBudget, withinRequestBudget } from '../backends/requestBudget.ts';
import { FigwayError } from '../errors.ts';
import { ClientDisconnectedError } from '../server/clientDisconnect.ts';
import { sendRequestError } from '../server/handleGraphqlHttp.ts';
import { parseJsonBody, readBody } from '../server/readBody.ts';

/**
 * Serves one GraphQL-over-HTTP request of a target service with Apollo, as the gateway
 * serves its own: the body read within its size limit, the context (the bearer token
 * verified there, before any data is touched) and every backend call within the
 * request's time budget.
 */
export async function handleServiceGraphql<C extends BaseContext>(
  apollo: ApolloServer<C>,
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    maxBodyBytes: number;
    requestTimeoutMs: number;
    context: (request: IncomingMessage) => Promise<C>;
  },
) {
  const budget = createRequestBudget(options.requestTimeoutMs);
  try {
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
    const result = await withinRequestBudget(budget, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
        context: () => options.context(request),
      }),
    );
    if (response.destroyed)
      throw new ClientDisconnectedError('The client hung up before its answer was sent.');
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  } finally {
    budget.end();
  }
}
