import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The figway executable of this checkout. */
export const FIGWAY_BIN = fileURLToPath(new URL('../../bin/figway.js', import.meta.url));

/**
 * Node's arguments for running figway in a test: the executable, with its WebAssembly
 * (PGlite's PostgreSQL) compiled by V8's baseline compiler only. A short-lived process
 * never earns back the optimizing compiler's work: `figway flags check` on an embedded
 * folder took 1.1 to 1.4 s of CPU with the flag and 1.9 s without; the tests' workers
 * run with the same flag (vitest.config.ts).
 */
export const FIGWAY_COMMAND = ['--liftoff-only', FIGWAY_BIN];

const run = promisify(execFile);

/** Runs `figway <args>` to completion and returns its exit code and output. */
export async function figway(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...FIGWAY_COMMAND, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A `figway serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** The fields of the "figway is listening" log line. */
  listening: Record<string, unknown>;
  /** Resolves with the next log line whose `msg` is `message`, logged after this call. */
  nextLog(message: string): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `figway serve` and resolves once it logs that it listens; rejects if it exits first. */
export function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, 'serve'], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.includes('"figway is listening"'));
      if (line === undefined) return;
      child.stdout?.off('data', onData);
      const waiting: Array<{ message: string; resolve: (line: Record<string, unknown>) => void }> = [];
      let partial = '';
      child.stdout?.on('data', (more: Buffer) => {
        output += more.toString();
        const lines = (partial + more.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const text of lines) {
          if (!text.startsWith('{')) continue;
          const line = JSON.parse(text) as Record<string, unknown>;
          for (const waiter of waiting.filter((candidate) => candidate.message === line.msg)) {
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      });
      const listening = JSON.parse(line) as Record<string, unknown>;
      resolve({
        child,
        url: String(listening.url),
        listening,
        output: () => output,
        nextLog: (message) => new Promise((found) => waiting.push({ message, resolve: found })),
        stop(signal = 'SIGTERM') {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`figway serve exited with ${code}:\n${output}`)));
  });
}
