import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChildServer, startChildServer } from './childServer.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a redis-server of the benchmark's own on a free loopback port, keeping
 * nothing on disk, so no other Redis user hears or adds to its channels; its `url`
 * is the redis:// URL. Rejects when `redis-server` is not installed.
 */
export async function startPrivateRedis(): Promise<ChildServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  return startChildServer(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    (line) => (line.includes('Ready to accept connections') ? url : null),
    10_000,
  );
}
