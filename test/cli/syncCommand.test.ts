import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { FIGWAY_COMMAND, figway } from '../support/figwayProcess.ts';
import { figwayUntilExit } from '../support/figwayUntilExit.ts';
import { type MirroredDeployment, mirroredDeployment } from '../support/mirroredServe.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';

const COMMITMENT = 'c0000000-0000-4000-8000-000000000004';

// `figway sync` as a worker next to gateways that leave the queues to it, and its
// status and retry subcommands against the databases.
describe('figway sync (PostgreSQL)', () => {
  let databases: ProductionDatabases;
  let deployment: MirroredDeployment;
  beforeAll(async () => {
    databases = await createProductionDatabases();
    deployment = await mirroredDeployment(databases, 'dualwrite', { FIGWAY_SYNC_APPLIER: 'off' });
  }, 120_000);
  afterAll(async () => {
    await deployment?.close();
    await databases?.drop();
  });

  it('refuses a usage it does not know with exit 2', async () => {
    expect((await figway(['sync', 'retry', 'not-an-id'], deployment.env)).code).toBe(2);
    expect((await figway(['sync', 'frobnicate'], deployment.env)).code).toBe(2);
  });

  it('as a worker, exits 1 with the cause when its /metrics port is taken, its appliers stopped', async () => {
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const port = (held.address() as AddressInfo).port;
      const { code, output } = await figwayUntilExit(
        ['sync'],
        { ...deployment.env, FIGWAY_METRICS_HOST: '127.0.0.1', FIGWAY_METRICS_PORT: String(port) },
        30_000,
      );
      expect(code).toBe(1);
      expect(output).toContain('EADDRINUSE');
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
  }, 60_000);

  it('as a worker, applies a change made on legacy outside figway while the gateway leaves the queues to it', async () => {
    // The gateway installs change capture; with FIGWAY_SYNC_APPLIER=off it applies nothing in the background.
    const gateway = await deployment.start();
    await deployment.sql('legacy', "update public.commitments set title = 'Renamed by SQL' where id = $1", [
      COMMITMENT,
    ]);
    const waiting = await figway(['sync', 'status', '--json'], deployment.env);
    const before = JSON.parse(waiting.stdout) as {
      toTarget: { pending: number; oldestPendingSeconds: number };
    };
    expect(before.toTarget.pending).toBe(1);
    expect(before.toTarget.oldestPendingSeconds).toBeGreaterThanOrEqual(0);

    const worker = spawn(process.execPath, [...FIGWAY_COMMAND, 'sync'], {
      env: { ...process.env, ...deployment.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    worker.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    try {
      const [row] = await eventually(
        () =>
          deployment.sql(
            'ledger',
            "select data ->> 'title' as title from ledger.documents where table_name = 'commitments' and document_id = $1",
            [COMMITMENT],
          ),
        (rows) => rows[0]?.title === 'Renamed by SQL',
        15_000,
      );
      expect(row?.title).toBe('Renamed by SQL');
      expect(output).toContain('figway sync is mirroring');
      const after = await figway(['sync', 'status'], deployment.env);
      expect(after.code).toBe(0);
      expect(after.stdout).toContain('pending 0');
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    await gateway.stop();
  }, 60_000);
});
