import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { eventually } from './eventually.ts';

/** The machine's Redis, which the tests share (each on a channel of its own). */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** Whether a `redis-server` binary is on the PATH. */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** Whether a Redis on loopback `port` answers PING (false on refusal or after 1 s). */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A private redis-server on one port that a test can kill and start again. */
export interface RedisServer {
  port: number;
  url: string;
  /** Starts redis-server (keeping nothing on disk) and resolves once it answers PING; fails after 10 s. */
  start(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would, and resolves once it has exited. */
  kill(): Promise<void>;
}

/** A {@link RedisServer} on loopback `port`, not started yet. */
export function redisServerOn(port: number): RedisServer {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const output: string[] = [];
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      started.stdout?.on('data', (data: Buffer) => output.push(data.toString()));
      started.stderr?.on('data', (data: Buffer) => output.push(data.toString()));
      let exitCode: number | null | undefined;
      exited = new Promise((resolve) => {
        started.once('exit', (code) => {
          exitCode = code;
          resolve();
        });
        started.once('error', (error) => {
          output.push(error.message);
          exitCode = -1;
          resolve();
        });
      });
      await eventually(
        async () => (exitCode === undefined ? await redisAnswers(port) : 'exited'),
        (state) => state !== false,
        10_000,
      ).then((state) => {
        if (state === 'exited') throw new Error(`redis-server exited (${exitCode}):\n${output.join('')}`);
      });
    },
    async kill() {
      if (child === null) return;
      child.kill('SIGKILL');
      await exited;
      child = null;
    },
  };
}
