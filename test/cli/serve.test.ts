import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDataDir } from '../support/dataDir.ts';
import { figwayUntilExit } from '../support/figwayUntilExit.ts';

describe('figway serve start-up', () => {
  let dataDir: string;
  let held: Server;
  let port: number;
  beforeAll(async () => {
    dataDir = await freshDataDir('figway-port-taken-');
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    port = (held.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => held?.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  // The embedded default opens PGlite, backfills and starts the mirror's appliers before
  // it listens; all of that must be closed again for the process to exit.
  it('exits 1 with the cause, and releases the embedded data, when its port is taken', async () => {
    const { code, output } = await figwayUntilExit(
      ['serve'],
      { FIGWAY_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
      30_000,
    );
    expect(code).toBe(1);
    expect(output).toContain('EADDRINUSE');
    expect(existsSync(join(dataDir, 'gateway.json'))).toBe(false);
  }, 60_000);
});
