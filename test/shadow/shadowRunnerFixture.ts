import {
  buildSchema,
  type FieldNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { freshPgliteCluster } from '../../harness/pgliteTemplate.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import { type CatalogueEntry, DEFAULT_SHADOW, type ShadowSettings } from '../../src/core/catalogue.ts';
import type { Database, Queryable } from '../../src/core/database.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { createObservationWriter, type ObservationWriter } from '../../src/shadow/observationWriter.ts';
import {
  createShadowRunner,
  type ExperimentSide,
  type ShadowRunnerOptions,
  type ShadowSite,
} from '../../src/shadow/shadowRunner.ts';

const schema = buildSchema('type Query { thing: Thing } type Thing { id: ID! n: Int s: String at: String }');
const operation = parse('query Things { thing { id n s at } }').definitions[0] as OperationDefinitionNode;
/** Where the unit Query.thing sits in the response of `query Things { thing { ... } }`: the `site` of a run. */
export const INFO: ShadowSite = {
  info: {
    returnType: schema.getType('Thing') as GraphQLObjectType,
    fieldNodes: [operation.selectionSet.selections[0] as FieldNode],
    fragments: {},
    variableValues: {},
    path: { prev: undefined, key: 'thing', typename: 'Query' },
    operation,
  },
  id: null,
};
const VIEWER = { kind: 'user', id: 'u-1', email: null, cohort: 'beta', claims: {}, token: 't' } as const;
export const FACTS = {
  viewer: VIEWER,
  operationName: null,
  clientName: 'web',
  clientVersion: '1.2.0',
  query: null,
  variables: { email: 'a@b.c', id: 'x' },
};
export const THING = { id: '1', n: 1, s: 'a', at: '2026-01-01T00:00:00.000Z' };

export const side = (
  kind: 'legacy' | 'target',
  read: (round: number) => Promise<unknown>,
): ExperimentSide => ({
  side: kind,
  read,
});
export const never = () => new Promise<never>(() => {});

/**
 * A shadow runner over a PGlite observation store emptied before each test: call it inside a
 * describe; `runner()` builds a runner for the unit Query.thing with the given
 * settings, and `stored()` waits for its comparisons and returns the stored rows.
 */
export function useShadowRunner() {
  let db: Database;
  let writer: ObservationWriter;
  let metrics: GatewayMetrics;
  // One PGlite per file (it takes seconds to start), emptied before each test.
  beforeAll(async () => {
    db = await openPgliteDatabase(undefined, { loadDataDir: await freshPgliteCluster() });
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
  });
  beforeEach(async () => {
    await db.exec('truncate observations.observations');
    metrics = createGatewayMetrics();
    writer = writerOver(db);
  });
  const writerOver = (store: Queryable) =>
    createObservationWriter({
      db: store,
      flushEveryMs: 20,
      onDrop: (reason, count) => metrics.observationsLost.inc({ reason }, count),
    });
  afterEach(async () => {
    await writer.close();
  });
  afterAll(async () => {
    await db?.close();
  });

  function runner(
    settings: Partial<ShadowSettings> = {},
    more: Partial<Pick<ShadowRunnerOptions, 'maxInFlight' | 'random' | 'maxWaitMs' | 'onInternalError'>> = {},
    store?: Queryable,
  ) {
    if (store !== undefined) {
      // The store the runner's observations go to instead of the fixture's own (one that fails, say).
      void writer.close();
      writer = writerOver(store);
    }
    const entry: CatalogueEntry = {
      unit: 'Query.thing',
      flag: 'f',
      owner: 'o',
      description: 'd',
      fallback: 'none',
      shadow: { ...DEFAULT_SHADOW, ...settings },
    };
    return createShadowRunner({
      catalogue: new Map([['Query.thing', entry]]),
      writer,
      metrics,
      salt: 's',
      ...more,
    });
  }

  async function stored(shadow: ReturnType<typeof runner>) {
    await shadow.idle();
    await writer.flush();
    return db.query('select * from observations.observations order by id');
  }

  return {
    runner,
    stored,
    get db() {
      return db;
    },
    get writer() {
      return writer;
    },
    get metrics() {
      return metrics;
    },
  };
}

// A value nested `levels` deep, built without recursion.
export function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < levels; level++) value = { inner: value };
  return value;
}

export function descend(value: unknown): { depth: number; bottom: unknown } {
  let depth = 0;
  let at = value;
  while (typeof at === 'object' && at !== null && 'inner' in at) {
    at = at.inner;
    depth += 1;
  }
  return { depth, bottom: at };
}
