import { spawn } from 'node:child_process';
import { FIGWAY_COMMAND } from './figwayProcess.ts';

/**
 * Runs `figway <args>` until it exits or `deadlineMs` passes, then kills it if it still runs;
 * resolves with its exit code ('still running' past the deadline) and everything it printed.
 * For commands that must exit by themselves, such as a start-up that fails.
 */
export async function figwayUntilExit(args: string[], env: Record<string, string>, deadlineMs: number) {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let deadline: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
    new Promise<'still running'>((resolve) => {
      deadline = setTimeout(() => resolve('still running'), deadlineMs);
    }),
  ]);
  clearTimeout(deadline);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return { code, output };
}
