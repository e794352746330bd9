// Query limits (depth, aliases, root fields, directives, tokens, cost) over HTTP and graphql-ws, and their settings.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { loadConfig } from '../../src/config.ts';
import { countingDatabase } from '../support/countingDatabase.ts';
import {
  ALICE_COMMITMENT,
  aliasBomb,
  firstError,
  graphqlStatements,
  historyCycle,
  postgres,
  wsRun,
} from './queryLimitsFixture.ts';

describe('query limits over HTTP (postgres)', () => {
  let gateway: TestGateway;
  let legacy: ReturnType<typeof countingDatabase>;
  beforeAll(async () => {
    gateway = await startTestGateway(postgres, {
      targets: true,
      wrapDatabase: (db) => {
        legacy = countingDatabase(db);
        return legacy;
      },
    });
  });
  afterAll(() => gateway.close());

  const healthz = () => fetch(gateway.gateway.url.replace('/graphql', '/healthz'));

  it('refuses the 8-deep history cycle before any database work, while /healthz answers 200', async () => {
    const query = historyCycle(8);
    expect(query.length).toBeLessThan(400);
    const statements = graphqlStatements(legacy);
    const [response, health] = await Promise.all([gateway.query(query, { as: 'alice' }), healthz()]);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(/depth.*20.*limit of 8.*FIGWAY_MAX_QUERY_DEPTH/);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({
      setting: 'FIGWAY_MAX_QUERY_DEPTH',
      max: 8,
      found: 20,
    });
    expect(health.status).toBe(200);
    expect(graphqlStatements(legacy)).toBe(statements);
  });

  it('refuses 20,000 aliases of commitments(first: 100) in a 929 KB body, with memory bounded', async () => {
    const query = aliasBomb(20_000);
    const body = JSON.stringify({ query });
    expect(body.length).toBeGreaterThan(900_000);
    expect(body.length).toBeLessThan(loadConfig({}).maxBodyBytes); // so the body limit is not what refuses it
    const statements = graphqlStatements(legacy);
    const transactions = legacy.transactions;
    const heapBefore = process.memoryUsage().heapUsed;
    const [response, health] = await Promise.all([gateway.query(query, { as: 'alice' }), healthz()]);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /number of tokens is more than the limit of 1000.*FIGWAY_MAX_QUERY_TOKENS/,
    );
    expect(health.status).toBe(200);
    expect(graphqlStatements(legacy)).toBe(statements);
    expect(legacy.transactions).toBe(transactions);
    // Answering it took 20,000 transactions and tens of MB; refusing it holds little more than the body.
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses more aliases than FIGWAY_MAX_QUERY_ALIASES allows', async () => {
    const response = await gateway.query(
      `{ commitment(id: "${ALICE_COMMITMENT}") { ${Array.from({ length: 16 }, (_, i) => `t${i}: title`).join(' ')} } }`,
      { as: 'alice' },
    );
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(/aliases.*16.*limit of 15.*FIGWAY_MAX_QUERY_ALIASES/);
  });

  it('refuses more root fields than FIGWAY_MAX_QUERY_ROOT_FIELDS allows, counting fragments', async () => {
    const response = await gateway.query(
      `{ ...Roots ${Array.from({ length: 10 }, (_, i) => `m${i}: me { id }`).join(' ')} }
       fragment Roots on Query { commitmentTypes { id } }`,
      { as: 'alice' },
    );
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /root fields.*11.*limit of 10.*FIGWAY_MAX_QUERY_ROOT_FIELDS/,
    );
  });

  it('refuses more directives than FIGWAY_MAX_QUERY_DIRECTIVES allows', async () => {
    const response = await gateway.query(`{ me { ${'id @include(if: true) '.repeat(51)}} }`, { as: 'alice' });
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /directives.*51.*limit of 50.*FIGWAY_MAX_QUERY_DIRECTIVES/,
    );
  });

  it('multiplies the cost by page sizes given in variables, and by assumed list sizes', async () => {
    // Depth 8 is allowed; 100 commitments x 10 revisions x 10 revisions is not.
    const query = `query ($first: Int) { commitments(first: $first) { edges { node {
      history { commitment { history { commitment { id } } } } } } } }`;
    const statements = graphqlStatements(legacy);
    const refused = await gateway.query(query, { as: 'alice', variables: { first: 100 } });
    expect(errorCodes(refused)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(refused.body.errors?.[0]?.message).toMatch(/cost.*32300.*limit of 10000.*FIGWAY_MAX_QUERY_COST/);
    expect(refused.status).toBe(400);
    expect(graphqlStatements(legacy)).toBe(statements);
    const allowed = await gateway.query(query, { as: 'alice', variables: { first: 2 } });
    expect(allowed.body.errors).toBeUndefined();
  });

  it('refuses fragments that spread each other twice over (2^30 fields) on the cost limit', async () => {
    const fragments = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i} on Commitment { ...F${i + 1} ...F${i + 1} }`,
    );
    const query = `{ commitment(id: "${ALICE_COMMITMENT}") { ...F0 } } ${fragments.join(' ')} fragment F30 on Commitment { id }`;
    const statements = graphqlStatements(legacy);
    const response = await gateway.query(query, { as: 'alice' });
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toMatch(
      /cost is more than the limit of 10000.*FIGWAY_MAX_QUERY_COST/,
    );
    expect(graphqlStatements(legacy)).toBe(statements);
  });

  it('still lets wrongly typed variables answer BAD_USER_INPUT', async () => {
    const response = await gateway.query(
      'query ($first: Int) { commitments(first: $first) { edges { cursor } } }',
      { as: 'alice', variables: { first: 'ten' } },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers the README queries', async () => {
    const readme = await gateway.query(
      '{ me { username } commitments(first: 5) { edges { cursor node { title status parties { role profile { username } } } } pageInfo { hasNextPage endCursor } } }',
      { as: 'alice' },
    );
    expect(readme.body.errors).toBeUndefined();
    const history = await gateway.query(
      `query ($id: ID!) {
        commitment(id: $id) { history { version txTime txId commitment { status parties { role } } } }
        verifyCommitment(id: $id) { version revisionHash digest tipAddress { strandId sequenceNo } proof verified }
      }`,
      { as: 'alice', variables: { id: ALICE_COMMITMENT } },
    );
    expect(history.body.errors).toBeUndefined();
  });

  it('hides field suggestions outside development', async () => {
    const response = await gateway.query('{ commitments { edges { node { titel } } } }', { as: 'alice' });
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });
});

describe('query limits over graphql-ws (postgres)', () => {
  let gateway: TestGateway;
  let legacy: ReturnType<typeof countingDatabase>;
  beforeAll(async () => {
    gateway = await startTestGateway(postgres, {
      targets: true,
      wrapDatabase: (db) => {
        legacy = countingDatabase(db);
        return legacy;
      },
    });
  });
  afterAll(() => gateway.close());

  it('refuses the 8-deep history cycle before any database work', async () => {
    const statements = graphqlStatements(legacy);
    const error = firstError(await wsRun(gateway, historyCycle(8)));
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/FIGWAY_MAX_QUERY_DEPTH/);
    expect(graphqlStatements(legacy)).toBe(statements);
  });

  it('refuses 20,000 aliases on the token limit before any database work', async () => {
    const statements = graphqlStatements(legacy);
    const error = firstError(await wsRun(gateway, aliasBomb(20_000)));
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/FIGWAY_MAX_QUERY_TOKENS/);
    expect(graphqlStatements(legacy)).toBe(statements);
  });

  it('refuses aliases, root fields and cost as HTTP does', async () => {
    const aliases = firstError(await wsRun(gateway, aliasBomb(16)));
    expect(aliases.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(aliases.message).toMatch(/FIGWAY_MAX_QUERY_ALIASES/);
    const cost = firstError(
      await wsRun(
        gateway,
        'query ($n: Int) { commitments(first: $n) { edges { node { history { commitment { history { commitment { id } } } } } } } }',
        { n: 100 },
      ),
    );
    expect(cost.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(cost.message).toMatch(/FIGWAY_MAX_QUERY_COST/);
  });

  it('answers an ordinary query and hides field suggestions', async () => {
    expect(await wsRun(gateway, '{ me { username } }')).toEqual({ data: { me: { username: 'alice' } } });
    const unknown = firstError(await wsRun(gateway, '{ me { usernam } }'));
    expect(unknown.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(unknown.message).not.toMatch(/Did you mean/);
  });
});

describe('configured query limits', () => {
  it('refuse what the defaults allow, over both transports', async () => {
    const gateway = await startTestGateway(postgres, { queryLimits: { maxDepth: 3 } });
    try {
      const query = '{ commitments(first: 1) { edges { node { id } } } }';
      const http = await gateway.query(query, { as: 'alice' });
      expect(errorCodes(http)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(http.body.errors?.[0]?.message).toMatch(/depth.*4.*limit of 3/);
      expect(firstError(await wsRun(gateway, query)).extensions?.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await gateway.close();
    }
  });

  it('show field suggestions in development and let standard introspection through', async () => {
    const gateway = await startTestGateway(postgres, { development: true });
    try {
      const response = await gateway.query('{ me { usernam } }', { as: 'alice' });
      expect(response.body.errors?.[0]?.message).toMatch(/Did you mean "username"/);
      const introspection = await gateway.query(getIntrospectionQuery({ descriptions: true }), {
        as: 'alice',
      });
      expect(introspection.body.errors).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });
});

describe('loadConfig: query limits', () => {
  it('has documented defaults', () => {
    expect(loadConfig({}).queryLimits).toEqual({
      maxDepth: 8,
      maxAliases: 15,
      maxRootFields: 10,
      maxDirectives: 50,
      maxTokens: 1000,
      maxCost: 10_000,
      assumedListSize: 10,
    });
  });

  it('reads each limit from its setting and names a bad one', () => {
    const config = loadConfig({ FIGWAY_MAX_QUERY_DEPTH: '12', FIGWAY_MAX_QUERY_COST: '50000' });
    expect(config.queryLimits).toMatchObject({ maxDepth: 12, maxCost: 50_000 });
    expect(() => loadConfig({ FIGWAY_MAX_QUERY_ALIASES: 'many' })).toThrow(/FIGWAY_MAX_QUERY_ALIASES/);
    expect(() => loadConfig({ FIGWAY_QUERY_LIST_SIZE: '0' })).toThrow(/FIGWAY_QUERY_LIST_SIZE/);
  });
});
