import { setTimeout as sleep } from 'node:timers/promises';
import { buildSchema, type FieldNode, type OperationDefinitionNode, parse } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import { type CatalogueEntry, DEFAULT_SHADOW, type ShadowSettings } from '../../src/core/catalogue.ts';
import type { Database } from '../../src/core/database.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { createObservationWriter, type ObservationWriter } from '../../src/shadow/observationWriter.ts';
import type { ShadowStep } from '../../src/shadow/reportInternalError.ts';
import {
  createShadowRunner,
  type ExperimentSide,
  type ShadowRunnerOptions,
} from '../../src/shadow/shadowRunner.ts';

const schema = buildSchema('type Query { thing: Thing } type Thing { id: ID! n: Int s: String at: String }');
const operation = parse('query Things { thing { id n s at } }').definitions[0] as OperationDefinitionNode;
const INFO = {
  returnType: schema.getType('Thing'),
  fieldNodes: [operation.selectionSet.selections[0] as FieldNode],
  fragments: {},
  variableValues: {},
  path: 'thing',
  operationName: 'Things',
} as never;
const VIEWER = { kind: 'user', id: 'u-1', email: null, cohort: 'beta', claims: {}, token: 't' } as const;
const FACTS = {
  viewer: VIEWER,
  operationName: null,
  clientName: 'web',
  clientVersion: '1.2.0',
  query: null,
  variables: { email: 'a@b.c', id: 'x' },
};
const THING = { id: '1', n: 1, s: 'a', at: '2026-01-01T00:00:00.000Z' };

const side = (kind: 'legacy' | 'target', read: (fresh: boolean) => Promise<unknown>): ExperimentSide => ({
  side: kind,
  read,
});
const never = () => new Promise<never>(() => {});

describe('the shadow runner', () => {
  let db: Database;
  let writer: ObservationWriter;
  let metrics: GatewayMetrics;
  beforeEach(async () => {
    db = await openPgliteDatabase();
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    metrics = createGatewayMetrics();
    writer = createObservationWriter({
      db,
      flushEveryMs: 20,
      onDrop: (reason, count) => metrics.observationsLost.inc({ reason }, count),
    });
  });
  afterEach(async () => {
    await writer.close();
    await db.close();
  });

  function runner(
    settings: Partial<ShadowSettings> = {},
    more: Partial<Pick<ShadowRunnerOptions, 'maxInFlight' | 'random' | 'maxWaitMs' | 'onInternalError'>> = {},
  ) {
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

  it('returns the control and records a candidate that throws', async () => {
    const shadow = runner();
    const value = await shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        throw new Error('ledger exploded');
      }),
      INFO,
    );
    expect(value).toBe(THING);
    const [row] = await stored(shadow);
    expect(row).toMatchObject({
      outcome: 'candidate_error',
      candidate_error: 'ledger exploded',
      operation_name: 'Things',
      client_name: 'web',
      cohort: 'beta',
    });
    expect(row?.variables).toEqual({ email: expect.stringMatching(/^hmac:/), id: 'x' });
  });

  it('answers before a hanging candidate ends, and records a timeout', async () => {
    const shadow = runner({ timeoutMs: 30 });
    const request = shadow.forRequest(FACTS);
    let candidateEnded = false;
    const value = await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', () =>
        never().finally(() => {
          candidateEnded = true;
        }),
      ),
      INFO,
    );
    expect(value).toBe(THING);
    expect(candidateEnded).toBe(false);
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'timeout' });
  });

  it('keeps the control when the candidate returns garbage, and names every differing path', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const value = await request.run(
      'Query.thing',
      'live',
      side('target', async () => THING),
      side('legacy', async () => ({ id: '1', n: 2 })),
      INFO,
    );
    request.responseSent();
    expect(value).toBe(THING);
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'mismatched', control: 'target', stage: 'live' });
    expect(((row?.diffs ?? []) as Array<{ path: string }>).map((diff) => diff.path).sort()).toEqual([
      'thing.at',
      'thing.n',
      'thing.s',
    ]);
    expect(row?.diffs).toContainEqual({ path: 'thing.s', control: 'a', candidate: '(missing)' });
  });

  it('counts a comparator that throws as a mismatch, with its error', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => ({ ...THING, n: 'not a number' })),
      INFO,
    );
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({
      outcome: 'mismatched',
      candidate_error: expect.stringMatching(/Int cannot represent/),
    });
  });

  it('gives the client the control error unchanged', async () => {
    const shadow = runner();
    const attempt = shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw new Error('legacy down');
      }),
      side('target', async () => THING),
      INFO,
    );
    await expect(attempt).rejects.toThrow('legacy down');
  });

  it('drops samples beyond the in-flight cap, counts them, and still answers', async () => {
    const shadow = runner({ timeoutMs: 10_000 }, { maxInFlight: 1 });
    const hanging = shadow.forRequest(FACTS);
    await hanging.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', never),
      INFO,
    );
    expect(shadow.inFlight).toBe(1);
    const second = shadow.forRequest(FACTS);
    expect(
      await second.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      ),
    ).toBe(THING);
    await writer.flush();
    const rows = await db.query('select outcome from observations.observations');
    expect(rows).toEqual([{ outcome: 'dropped' }]);
    expect(await metrics.registry.getSingleMetricAsString('figway_shadow_samples_dropped_total')).toMatch(
      /unit="Query.thing"\} 1/,
    );
  });

  it('samples nothing at sample rate 0', async () => {
    const shadow = runner({ sampleRate: 0 });
    let candidateRan = false;
    await shadow.forRequest(FACTS).run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        candidateRan = true;
        return THING;
      }),
      INFO,
    );
    expect(candidateRan).toBe(false);
    expect(await stored(shadow)).toEqual([]);
  });

  it('ignores configured paths and nothing else', async () => {
    const shadow = runner({ ignore: ['thing.s'] });
    for (const candidate of [
      { ...THING, s: 'b' },
      { ...THING, s: 'b', n: 9 },
    ]) {
      const request = shadow.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => candidate),
        INFO,
      );
      request.responseSent();
    }
    const rows = await stored(shadow);
    expect(rows.map((row) => row.outcome)).toEqual(['matched', 'mismatched']);
    expect(rows[1]?.diffs).toEqual([{ path: 'thing.n', control: 1, candidate: 9 }]);
  });

  it('reports differences only on paths where the control disagrees with itself as noise', async () => {
    const shadow = runner({ noiseSampleRate: 1 });
    let reads = 0;
    const control = side('legacy', async () => ({ ...THING, at: `2026-01-01T00:00:0${reads++}.000Z` }));
    for (const candidate of [
      { ...THING, at: '2026-01-02T00:00:00.000Z' },
      { ...THING, at: '2026-01-02T00:00:00.000Z', n: 5 },
    ]) {
      const request = shadow.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        control,
        side('target', async () => candidate),
        INFO,
      );
      request.responseSent();
      await shadow.idle();
    }
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['noise', 'mismatched']);
  });

  it('re-checks a mismatch once after the lag delay with a fresh read', async () => {
    const shadow = runner({ recheckAfterMs: 20 });
    const request = shadow.forRequest(FACTS);
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async (fresh) => (fresh ? THING : { ...THING, n: 0 })),
      INFO,
    );
    request.responseSent();
    expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['matched']);
  });

  it('never blocks a request when the observation store is down: observations are dropped and counted', async () => {
    await db.close();
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    expect(
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      ),
    ).toBe(THING);
    request.responseSent();
    await shadow.idle();
    await writer.flush();
    expect(await metrics.registry.getSingleMetricAsString('figway_observations_lost_total')).toMatch(
      /reason="store_unavailable"\} 1/,
    );
  });

  describe('failures inside the machinery', () => {
    it('records the comparison when a variable is nested 200,000 levels, summarizing it past the depth bound', async () => {
      const raised: ShadowStep[] = [];
      const shadow = runner({}, { onInternalError: (step) => raised.push(step) });
      const deep = nested(200_000);
      const request = shadow.forRequest({ ...FACTS, variables: { filter: deep, email: deep } });
      const value = await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      );
      request.responseSent();
      expect(value).toBe(THING);
      const rows = await stored(shadow);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: 'matched',
        variables: { email: expect.stringMatching(/^hmac:/) },
      });
      const { depth, bottom } = descend((rows[0]?.variables as { filter?: unknown } | undefined)?.filter);
      expect(bottom).toMatch(/^\(nested deeper than \d+ levels\)$/);
      expect(depth).toBeLessThan(200);
      expect(raised).toEqual([]);
    });

    it('answers and records a dropped sample whose variables are nested 200,000 levels', async () => {
      const shadow = runner({}, { maxInFlight: 0 });
      const value = await shadow.forRequest({ ...FACTS, variables: { filter: nested(200_000) } }).run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      );
      expect(value).toBe(THING);
      expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['dropped']);
    });

    it('reports a redaction that throws with its step, and still records the observation', async () => {
      const raised: Array<{ step: ShadowStep; message: string; unit: string }> = [];
      const shadow = runner(
        {},
        {
          onInternalError: (step, error, unit) =>
            raised.push({ step, message: error instanceof Error ? error.message : String(error), unit }),
        },
      );
      const variables = {
        get filter(): never {
          throw new Error('getter exploded');
        },
      };
      const request = shadow.forRequest({ ...FACTS, variables });
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      );
      request.responseSent();
      const [row] = await stored(shadow);
      expect(row).toMatchObject({ outcome: 'matched', variables: '(redaction failed)' });
      expect(raised).toEqual([{ step: 'redact', message: 'getter exploded', unit: 'Query.thing' }]);
    });

    it('reports a projection that throws with its step and counts it on the metrics by default', async () => {
      const shadow = runner();
      const request = shadow.forRequest(FACTS);
      await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => ({ ...THING, n: 'not a number' })),
        INFO,
      );
      request.responseSent();
      expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['mismatched']);
      expect(await metrics.registry.getSingleMetricAsString('figway_shadow_internal_errors_total')).toMatch(
        /unit="Query.thing",step="project"\} 1/,
      );
    });

    it('records a candidate whose read throws before returning a promise, and answers with the control', async () => {
      const shadow = runner();
      const request = shadow.forRequest(FACTS);
      const value = await request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', () => {
          throw new Error('thrown synchronously');
        }),
        INFO,
      );
      request.responseSent();
      expect(value).toBe(THING);
      expect(await stored(shadow)).toMatchObject([
        { outcome: 'candidate_error', candidate_error: 'thrown synchronously' },
      ]);
    });

    // A deadline on an event, not a timed assertion: the former fixed 10 s wait outlives it.
    it('judges a comparison whose response is never sent once maxWaitMs has passed', async () => {
      const shadow = runner({}, { maxWaitMs: 20 });
      await shadow.forRequest(FACTS).run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        side('target', async () => THING),
        INFO,
      );
      const judged = await Promise.race([
        shadow.idle().then(() => 'judged'),
        sleep(8_000, 'still waiting', { ref: false }),
      ]);
      expect(judged).toBe('judged');
      expect((await stored(shadow)).map((row) => row.outcome)).toEqual(['matched']);
    });
  });

  it('stores only the selected fields of a candidate whose control failed', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const attempt = request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw new Error('legacy down');
      }),
      side('target', async () => ({
        ...THING,
        terms: 'the private terms',
        description: 'a description',
        ownerId: 'c0000000-raw-user-id',
      })),
      INFO,
    );
    await expect(attempt).rejects.toThrow('legacy down');
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'mismatched', control_error: 'legacy down' });
    expect(row?.diffs).toEqual([{ path: 'thing', control: 'error: legacy down', candidate: THING }]);
  });
});

// A value nested `levels` deep, built without recursion.
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < levels; level++) value = { inner: value };
  return value;
}

function descend(value: unknown): { depth: number; bottom: unknown } {
  let depth = 0;
  let at = value;
  while (typeof at === 'object' && at !== null && 'inner' in at) {
    at = at.inner;
    depth += 1;
  }
  return { depth, bottom: at };
}
