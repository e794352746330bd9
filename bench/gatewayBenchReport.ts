import { loadavg } from 'node:os';
import { type TestEngine, testEngines } from '../harness/databases.ts';
import { type BenchMachine, benchMachine } from './benchMachine.ts';

/** Everything one run of a gateway benchmark (shadow or writes) measured; `--json` prints this object. */
export interface GatewayBenchReport<Sizes, Result> {
  machine: BenchMachine;
  /** NODE_ENV of the run; graphql 16 runs development-mode checks unless it is `production`. */
  nodeEnv: string | null;
  /** The machine's 1-minute load average before and after the run: other processes competing for the cores. */
  loadAverage: { before: number; after: number };
  sizes: Sizes;
  engines: Result[];
  /** Engines not measured, with the reason. */
  skipped: string[];
}

/**
 * Runs `bench` on every reachable test engine in turn, all through one client driver
 * started by `drive` (so its JIT stays warm across engines, and closed at the end even
 * when a run throws), and reports the results with the machine and its load.
 */
export async function gatewayBenchReport<Driver extends { close(): Promise<void> }, Sizes, Result>(
  drive: () => Driver,
  bench: (engine: TestEngine, driver: Driver, sizes: Sizes) => Promise<Result>,
  sizes: Sizes,
): Promise<GatewayBenchReport<Sizes, Result>> {
  const engines = await testEngines();
  const [loadBefore = 0] = loadavg();
  const driver = drive();
  const results: Result[] = [];
  try {
    for (const engine of engines) results.push(await bench(engine, driver, sizes));
  } finally {
    await driver.close();
  }
  return {
    machine: benchMachine(),
    nodeEnv: process.env.NODE_ENV ?? null,
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sizes,
    engines: results,
    skipped: engines.some((engine) => engine.name === 'postgres')
      ? []
      : ['postgres: not reachable (FIGWAY_TEST_POSTGRES or 127.0.0.1:5432), skipped'],
  };
}
