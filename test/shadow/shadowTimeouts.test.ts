// A candidate's timeout holds per read: one that answered too late is a timeout however
// long its control took, and one that never answered is a timeout whatever the control did.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { FACTS, INFO, never, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

describe("a candidate's timeout", () => {
  const { runner, stored } = useShadowRunner();

  it('is a timeout when the candidate answered after it, even though the control was slower still', async () => {
    const shadow = runner({ timeoutMs: 100 });
    const request = shadow.forRequest(FACTS);
    let answerControl: (value: unknown) => void = () => {};
    let answerCandidate: (value: unknown) => void = () => {};
    // The reads are timed on performance.now: this clock says how long they took.
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const served = request.run(
        'Query.thing',
        'shadow',
        side('legacy', () => new Promise((resolve) => (answerControl = resolve))),
        side('target', () => new Promise((resolve) => (answerCandidate = resolve))),
        INFO,
      );
      clock = 300;
      answerCandidate(THING);
      clock = 400;
      answerControl(THING);
      expect(await served).toBe(THING);
    } finally {
      now.mockRestore();
    }
    request.responseSent();
    const [row, ...more] = await stored(shadow);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ outcome: 'timeout', candidate_ms: 100, control_ms: 400 });
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
