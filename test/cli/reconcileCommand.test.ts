import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDataDir } from '../support/dataDir.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';

const FLAGS_RELOADED = 'flags file changed: new stages in effect';

describe('figway reconcile through a running embedded gateway', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let gateway: ServeProcess;
  beforeAll(async () => {
    dataDir = await freshDataDir('figway-reconcile-gateway-');
    env = { FIGWAY_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    gateway = await startServe(env);
  }, 90_000);
  afterAll(async () => {
    if (gateway?.child.exitCode === null) await gateway.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('compares the backfilled sides while the gateway holds the database, exit 0', async () => {
    for (const entity of ['commitments', 'profiles', 'commitment-types']) {
      const result = await figway(['reconcile', entity], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^Verdict: in sync$/m);
    }
  }, 60_000);

  it("takes the commitments' authority from the gateway's stage of Mutation.updateCommitmentStatus", async () => {
    const reloaded = gateway.nextLog(FLAGS_RELOADED);
    expect((await figway(['flags', 'set', 'Mutation.updateCommitmentStatus', 'live'], env)).code).toBe(0);
    await reloaded;
    const result = await figway(['reconcile', 'commitments', '--repair', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      entity: 'commitments',
      divergent: 0,
      authority: { side: 'target', unit: 'Mutation.updateCommitmentStatus', stage: 'live' },
      repair: { repaired: [], unrepaired: [], conflictsResolved: 0 },
    });
  }, 60_000);

  it('figway sync status and retry answer through the gateway, which mirrors its own writes', async () => {
    const token = (await figway(['token', 'alice'], env)).stdout.trim();
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          'mutation { updateCommitmentStatus(id: "c0000000-0000-4000-8000-000000000021", status: FULFILLED) { status } }',
      }),
    });
    expect(await response.json()).toMatchObject({
      data: { updateCommitmentStatus: { status: 'FULFILLED' } },
    });
    const status = await figway(['sync', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      toLegacy: { pending: 0, deadLetters: [], lag: { samples: expect.any(Number) } },
      conflicts: { open: 0 },
    });
    const retry = await figway(['sync', 'retry', 'target-999999'], env);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toBe('figway sync retry: no dead letter target-999999.\n');
  }, 60_000);
});
