import type { IncomingMessage } from 'node:http';
import type { RequestFacts } from '../shadow/shadowRunner.ts';

/** The token graphql-ws clients send: `connectionParams.authorization`, or the upgrade request's header. */
export function wsAuthorization(
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
) {
  const fromParams = params?.authorization ?? params?.Authorization;
  return typeof fromParams === 'string' ? fromParams : request.headers.authorization;
}

/** A connection parameter's value, when it is a non-empty string. */
export function paramText(
  params: Readonly<Record<string, unknown>> | undefined,
  name: string,
): string | null {
  const value = params?.[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A request header's value, when it is one non-empty string. */
function headerText(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

// A GET carries its operation in the query string (urql sends queries so), with the
// variables as JSON; Apollo has already refused a GET whose variables do not parse.
function operationOfGet(request: IncomingMessage): Record<string, unknown> {
  const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const variables = params.get('variables');
  let parsed: unknown = null;
  try {
    parsed = variables === null ? null : JSON.parse(variables);
  } catch (error) {
    parsed = { unparsed: variables, error: String(error) };
  }
  return { operationName: params.get('operationName'), query: params.get('query'), variables: parsed };
}

/** What an observation records about the operation: its name, document, variables and client. */
export function requestFacts(request: IncomingMessage, body: unknown): Omit<RequestFacts, 'viewer'> {
  const graphql = (
    request.method === 'GET' ? operationOfGet(request) : typeof body === 'object' && body !== null ? body : {}
  ) as Record<string, unknown>;
  return {
    operationName: typeof graphql.operationName === 'string' ? graphql.operationName : null,
    query: typeof graphql.query === 'string' ? graphql.query : null,
    variables: graphql.variables ?? null,
    clientName: headerText(request, 'apollographql-client-name'),
    clientVersion: headerText(request, 'apollographql-client-version'),
  };
}
