import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';
import { subscribe } from '../support/subscriber.ts';

const ACTIVITY = 'subscription { myCommitmentActivity { kind commitment { id } } }';

describe('FIGWAY_SUBSCRIPTIONS_PER_SOCKET on a running gateway', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let gateway: ServeProcess;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'figway-socket-limit-'));
    env = { FIGWAY_DATA_DIR: dataDir, FIGWAY_SUBSCRIPTIONS_PER_SOCKET: '1' };
    gateway = await startServe(env);
  }, 60_000);
  afterAll(async () => {
    if (gateway.child.exitCode === null) await gateway.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second subscription on one socket, and only that one', async () => {
    const token = (await figway(['token', 'alice'], env)).stdout.trim();
    const subscriber = subscribe(gateway.url, ACTIVITY, { token });
    try {
      await subscriber.connected;
      // A refused operation is answered on its own: errors (as a result or an error message), then its end.
      const second = new Promise<ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>>(
        (resolve) => {
          subscriber.client.subscribe(
            { query: ACTIVITY },
            {
              next: (result) => resolve(result.errors ?? []),
              error: (errors) => resolve(Array.isArray(errors) ? errors : [{ message: String(errors) }]),
              complete: () => resolve([]),
            },
          );
        },
      );
      const refused = await second;
      expect(refused[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(refused[0]?.message).toContain('This socket has 1 subscriptions open');
      // The first subscription and its socket stay open.
      expect(subscriber.closed).toBeNull();
      expect(subscriber.completed).toBe(false);
    } finally {
      await subscriber.close();
    }
  });
});
