// A candidate's timeout holds per read: one that answered too late is a timeout however
// long its control took, and one that never answered is a timeout whatever the control did.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FACTS, INFO, never, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

// Resolves once `ms` have passed since `from`, checking at each turn of the event loop.
async function past(from: number, ms: number): Promise<void> {
  while (performance.now() - from <= ms) await nextTurn();
}

describe("a candidate's timeout", () => {
  const { runner, stored } = useShadowRunner();

  it('is a timeout when the candidate answered after it, even though the control was slower still', async () => {
    const shadow = runner({ timeoutMs: 20 });
    const request = shadow.forRequest(FACTS);
    let answerControl: (value: unknown) => void = () => {};
    let answerCandidate: (value: unknown) => void = () => {};
    const started = performance.now();
    const served = request.run(
      'Query.thing',
      'shadow',
      side('legacy', () => new Promise((resolve) => (answerControl = resolve))),
      side('target', () => new Promise((resolve) => (answerCandidate = resolve))),
      INFO,
    );
    await past(started, 40);
    answerCandidate(THING);
    answerControl(THING);
    expect(await served).toBe(THING);
    request.responseSent();
    const [row, ...more] = await stored(shadow);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ outcome: 'timeout', candidate_ms: 20 });
  });

  it('is a timeout when the candidate never answered and the control failed', async () => {
    const shadow = runner({ timeoutMs: 20 });
    const request = shadow.forRequest(FACTS);
    const served = request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw new Error('legacy is down');
      }),
      side('target', never),
      INFO,
    );
    await expect(served).rejects.toThrow('legacy is down');
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'timeout', control_error: 'legacy is down' });
  });

  it('still matches a candidate that answered in time while the control took longer', async () => {
    const shadow = runner({ timeoutMs: 1_000 });
    const request = shadow.forRequest(FACTS);
    let answerControl: (value: unknown) => void = () => {};
    const served = request.run(
      'Query.thing',
      'shadow',
      side('legacy', () => new Promise((resolve) => (answerControl = resolve))),
      side('target', async () => THING),
      INFO,
    );
    await nextTurn();
    answerControl(THING);
    expect(await served).toBe(THING);
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'matched' });
  });
});
