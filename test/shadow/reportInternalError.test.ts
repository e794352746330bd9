import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { createInternalErrorReporter } from '../../src/shadow/reportInternalError.ts';

describe('createInternalErrorReporter', () => {
  function setup() {
    const metrics = createGatewayMetrics();
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    let now = 0;
    const report = createInternalErrorReporter({
      metrics,
      log: { warn: (fields, message) => lines.push({ fields, message }) },
      logEveryMs: 60_000,
      clock: () => now,
    });
    return { metrics, lines, report, advance: (ms: number) => (now += ms) };
  }

  it('counts every failure by unit and step on the metrics', async () => {
    const { metrics, report } = setup();
    report('redact', new Error('a'), 'Query.thing');
    report('redact', new Error('b'), 'Query.thing');
    report('store', new Error('c'), 'Commitment.status');
    const text = await metrics.registry.getSingleMetricAsString('figway_shadow_internal_errors_total');
    expect(text).toMatch(/unit="Query.thing",step="redact"\} 2/);
    expect(text).toMatch(/unit="Commitment.status",step="store"\} 1/);
  });

  it('logs the first failure of a unit and step, then at most one line per interval with the count held back', () => {
    const { lines, report, advance } = setup();
    const first = new Error('first');
    report('compare', first, 'Query.thing');
    report('compare', new Error('second'), 'Query.thing');
    report('compare', new Error('third'), 'Query.thing');
    report('project', new Error('other step'), 'Query.thing');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      fields: { err: first, unit: 'Query.thing', step: 'compare', suppressed: 0 },
      message: expect.stringContaining('compare'),
    });
    advance(60_000);
    const fourth = new Error('fourth');
    report('compare', fourth, 'Query.thing');
    expect(lines).toHaveLength(3);
    expect(lines[2]?.fields).toEqual({ err: fourth, unit: 'Query.thing', step: 'compare', suppressed: 2 });
  });
});
