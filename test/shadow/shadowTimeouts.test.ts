// A candidate's timeout holds per read: one that answered too late is a timeout however
// long its control took, and one that never answered is a timeout whatever the control did.
// A control that never answered (its response held past maxWaitMs) is a timeout too: the
// comparison could not be made, which is no mismatch of the candidate's.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { buildShadowReport } from '../../src/reports/buildShadowReport.ts';
import { FACTS, INFO, never, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

const fixture = useShadowRunner();
const { runner, stored } = fixture;

describe("a candidate's timeout", () => {
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

describe("a control's timeout", () => {
  // The control never answers, so the response never goes out: after maxWaitMs the
  // comparison is judged anyway. The candidate ends within its timeout on the stubbed clock.
  async function controlNeverAnswered(candidate: () => Promise<unknown>) {
    const shadow = runner({ timeoutMs: 100 }, { maxWaitMs: 1 });
    const request = shadow.forRequest(FACTS);
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      let answer: () => void = () => {};
      const answered = new Promise<void>((resolve) => (answer = resolve));
      void request.run(
        'Query.thing',
        'shadow',
        side('legacy', never),
        side('target', () => answered.then(candidate)),
        INFO,
      );
      clock = 5;
      answer();
      await nextTurn();
      // Past the timeout when the comparison is judged: the control is still reading.
      clock = 10_000;
      await shadow.idle();
    } finally {
      now.mockRestore();
    }
    const [row, ...more] = await stored(shadow);
    expect(more).toEqual([]);
    return row;
  }

  it('is a timeout, not a mismatch, when the candidate answered in time', async () => {
    const row = await controlNeverAnswered(async () => THING);
    expect(row).toMatchObject({
      outcome: 'timeout',
      diffs: [],
      control_error: 'timeout',
      control_ms: 100,
      candidate_ms: 5,
    });
    const [report] = (await buildShadowReport(fixture.db, { since: new Date(0) })).units;
    expect(report).toMatchObject({ samples: 1, mismatched: 0, timeouts: 1, mismatchRate: 0 });
  });

  it('is a timeout when the candidate failed in time, keeping its error', async () => {
    const row = await controlNeverAnswered(async () => {
      throw new Error('target is down');
    });
    expect(row).toMatchObject({
      outcome: 'timeout',
      diffs: [],
      control_error: 'timeout',
      candidate_error: 'target is down',
    });
  });
});
