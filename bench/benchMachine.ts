import { availableParallelism, cpus } from 'node:os';

/** The machine a benchmark ran on: its numbers mean little without it. */
export interface BenchMachine {
  node: string;
  cores: number;
  cpu: string;
}

/** The Node version, usable cores and CPU model of this machine. */
export function benchMachine(): BenchMachine {
  return {
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
  };
}
