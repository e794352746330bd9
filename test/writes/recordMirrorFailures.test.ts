import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, startTestGateway } from '../../harness/testGateway.ts';
import { createGatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { recordMirrorFailures } from '../../src/writes/recordMirrorFailures.ts';
import type { MirroredWrite, WriteMirror } from '../../src/writes/writeMirror.ts';
import { flagsWith, unitsAt } from '../support/stageFlags.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const WRITE: MirroredWrite = {
  unit: 'Mutation.updateCommitmentStatus',
  stage: 'dualwrite',
  to: 'target',
  args: {},
  result: {},
};

const refusing: WriteMirror = {
  async mirror() {
    throw new Error('outbox insert failed: relation "outbox" does not exist');
  },
};

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (text: string) => void lines.push(JSON.parse(text)) });
  return { logger, lines };
}

async function failuresCounted(metrics: ReturnType<typeof createGatewayMetrics>): Promise<string> {
  return metrics.registry.getSingleMetricAsString('figway_mirror_failures_total');
}

describe('recordMirrorFailures', () => {
  it('resolves, counts every failure and logs one line per unit and side per interval', async () => {
    const metrics = createGatewayMetrics();
    const { logger, lines } = capturedLogger();
    let now = 0;
    const mirror = recordMirrorFailures(refusing, {
      failures: metrics.mirrorFailures,
      logger,
      logIntervalMs: 1000,
      clock: () => now,
    });
    await expect(mirror.mirror(WRITE)).resolves.toBeUndefined();
    await mirror.mirror(WRITE);
    await mirror.mirror({ ...WRITE, unit: 'Mutation.addParty' });
    now = 1500;
    await mirror.mirror(WRITE);

    const counted = await failuresCounted(metrics);
    expect(counted).toMatch(/unit="Mutation.updateCommitmentStatus",to="target"\} 3/);
    expect(counted).toMatch(/unit="Mutation.addParty",to="target"\} 1/);
    expect(lines.map((line) => [line.unit, line.suppressed])).toEqual([
      ['Mutation.updateCommitmentStatus', 0],
      ['Mutation.addParty', 0],
      ['Mutation.updateCommitmentStatus', 1],
    ]);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'a committed write was not mirrored at once',
      stage: 'dualwrite',
      to: 'target',
      err: { message: 'outbox insert failed: relation "outbox" does not exist' },
    });
  });

  it('passes writes through to a mirror that takes them, recording nothing', async () => {
    const metrics = createGatewayMetrics();
    const { logger, lines } = capturedLogger();
    const taken: MirroredWrite[] = [];
    const mirror = recordMirrorFailures(
      { mirror: async (write) => void taken.push(write) },
      { failures: metrics.mirrorFailures, logger },
    );
    await mirror.mirror(WRITE);
    expect(taken).toEqual([WRITE]);
    expect(lines).toEqual([]);
    expect(await failuresCounted(metrics)).not.toMatch(/Mutation/);
  });
});

describe('a mirror that fails behind the gateway', () => {
  it('leaves the committed write and its answer alone, and is counted on /metrics', async () => {
    const gateway = await startTestGateway(pglite, {
      targets: true,
      mirror: refusing,
      flags: await flagsWith(await unitsAt(['Mutation.updateCommitmentStatus'], 'dualwrite')),
    });
    try {
      const id = 'c0000000-0000-4000-8000-000000000021'; // alice's, ACTIVE
      const response = await gateway.query(
        `mutation { updateCommitmentStatus(id: "${id}", status: FULFILLED) { status } }`,
        { as: 'alice' },
      );
      expect(dataField(response, 'updateCommitmentStatus')).toEqual({ status: 'FULFILLED' });
      const [row] = await gateway.db.query('select status from public.commitments where id = $1', [id]);
      expect(row?.status).toBe('FULFILLED');
      const metrics = await (await fetch(new URL('/metrics', gateway.gateway.url))).text();
      expect(metrics).toMatch(
        /figway_mirror_failures_total\{unit="Mutation.updateCommitmentStatus",to="target"\} 1/,
      );
    } finally {
      await gateway.close();
    }
  }, 120_000);
});
