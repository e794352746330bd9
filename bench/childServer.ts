import { type ChildProcess, spawn } from 'node:child_process';

/** A server the benchmark runs as a child process of its own, so its CPU and memory are read apart from the clients'. */
export interface ChildServer {
  /** The URL it announced once ready. */
  url: string;
  pid: number;
  /** The inspector's WebSocket URL when the child is Node started with --inspect, else null. */
  inspectorUrl: string | null;
  /** The last 64 KB it wrote to stdout and stderr, for an error message. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code once it exited; SIGKILL after 10 s. */
  stop(): Promise<number | null>;
}

const KEPT_OUTPUT = 64 * 1024;

// Children still running: if the benchmark dies before stopping them (an uncaught
// error), they are killed on the way out rather than left running without a parent.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The Node flag that opens a child's inspector on a free loopback port, for {@link ChildServer.inspectorUrl}. */
export const INSPECT = '--inspect=127.0.0.1:0';

/**
 * Spawns `command args` and resolves once `readyUrl` finds its URL in a line of its
 * stdout; rejects when it exits first or `timeoutMs` passes (and then kills it).
 * The output is read for as long as it runs, so a chatty child never blocks on a full pipe.
 */
export function startChildServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: (line: string) => string | null,
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  let partial = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve(-1);
    });
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
  };
  let inspectorUrl: string | null = null;
  child.stderr.on('data', (chunk: Buffer) => {
    keep(chunk);
    inspectorUrl ??= chunk.toString().match(/Debugger listening on (ws:\/\/\S+)/)?.[1] ?? null;
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const url = readyUrl(line);
        if (url === null) continue;
        ready = true;
        clearTimeout(timer);
        resolve({
          url,
          pid: child.pid ?? -1,
          get inspectorUrl() {
            return inspectorUrl;
          },
          output: () => output,
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.kill('SIGTERM');
            const code = await exited;
            clearTimeout(kill);
            return code;
          },
        });
        return;
      }
    });
    void exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/**
 * Starts two servers at once and resolves with both; when either fails to start, stops
 * the other and rejects with the failure.
 */
export async function startBoth(
  start: (index: 0 | 1) => Promise<ChildServer>,
): Promise<[ChildServer, ChildServer]> {
  const [a, b] = await Promise.allSettled([start(0), start(1)]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  await Promise.all([a, b].map((one) => (one.status === 'fulfilled' ? one.value.stop() : null)));
  throw a.status === 'rejected' ? a.reason : b.status === 'rejected' ? b.reason : new Error('unreachable');
}
