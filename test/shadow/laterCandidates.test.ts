import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { currentGathering, type ReadGathering } from '../../src/backends/gatheredReads.ts';
import { FACTS, INFO, side, THING, useShadowRunner } from './shadowRunnerFixture.ts';

// Two items of one list: the same field on two objects, each compared.
const ITEM_A = { ...INFO, id: 'a' };
const ITEM_B = { ...INFO, id: 'b' };

describe("a request's candidate reads", () => {
  const { runner, stored } = useShadowRunner();

  it('start only once the response is out, all together in one gathering', async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const started: Array<ReadGathering | undefined> = [];
    const candidate = side('target', async () => {
      started.push(currentGathering());
      return THING;
    });
    const values = await Promise.all([
      request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        candidate,
        ITEM_A,
      ),
      request.run(
        'Query.thing',
        'shadow',
        side('legacy', async () => THING),
        candidate,
        ITEM_B,
      ),
    ]);
    expect(values).toEqual([THING, THING]);
    // The control has answered and the response is being built: no candidate has started.
    expect(started).toEqual([]);
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'matched', items: 2 });
    expect(started).toHaveLength(2);
    expect(started[0]).toBeDefined();
    expect(started[1]).toBe(started[0]);
  });

  it('gives a candidate that starts after a slow response its whole timeout, and times it from its start', async () => {
    const shadow = runner({ timeoutMs: 150 });
    const request = shadow.forRequest(FACTS);
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => THING),
      side('target', async () => {
        await delay(40);
        return THING;
      }),
      INFO,
    );
    // The response takes longer to go out than the candidate may take.
    await delay(200);
    request.responseSent();
    const [row] = await stored(shadow);
    expect(row).toMatchObject({ outcome: 'matched' });
    expect(row?.candidate_ms).toBeGreaterThanOrEqual(35);
    expect(row?.candidate_ms).toBeLessThan(150);
  });
});
