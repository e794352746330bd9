import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import type { TestGateway } from '../../harness/testGateway.ts';
import type { countingDatabase } from '../support/countingDatabase.ts';

// The query bombs (a nested history cycle, 20,000 aliases) run against a real PostgreSQL, as in production.
const found = (await testEngines()).find((engine) => engine.name === 'postgres');
if (found === undefined)
  throw new Error('The query-limit tests need PostgreSQL (set CI=true to require it).');
export const postgres: TestEngine = found;

export const ALICE_COMMITMENT = 'c0000000-0000-4000-8000-000000000003';

/** `Commitment.history -> CommitmentRevision.commitment`, nested `levels` times under a page of 100. */
export function historyCycle(levels: number): string {
  const open = 'history { commitment { '.repeat(levels);
  const close = ' } }'.repeat(levels);
  return `{ commitments(first: 100) { edges { node { ${open}id${close} } } } }`;
}

/** `count` aliases of `commitments(first: 100)`, each its own root field. */
export function aliasBomb(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `a${i}:commitments(first:100){edges{node{id}}}`);
  return `{${fields.join(' ')}}`;
}

export interface WsOutcome {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Runs one operation over a real graphql-ws client; an error message resolves as `{ errors }`. */
export async function wsRun(
  gateway: TestGateway,
  query: string,
  variables?: Record<string, unknown>,
): Promise<WsOutcome> {
  const client = createClient({
    url: gateway.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${await gateway.tokenFor('alice')}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise<WsOutcome>((resolve, reject) => {
      let result: WsOutcome = {};
      client.subscribe(
        { query, ...(variables === undefined ? {} : { variables }) },
        {
          next: (value) => {
            result = value as WsOutcome;
          },
          error: (error: unknown) =>
            Array.isArray(error) ? resolve({ errors: error as WsOutcome['errors'] }) : reject(error),
          complete: () => resolve(result),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** Statements sent to legacy for GraphQL work, leaving out /healthz's `select 1`. */
export function graphqlStatements(legacy: ReturnType<typeof countingDatabase>): number {
  return legacy.statements.filter((sql) => sql !== 'select 1').length;
}

export function firstError(outcome: { errors?: WsOutcome['errors'] }) {
  const error = outcome.errors?.[0];
  if (error === undefined) throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return error;
}
