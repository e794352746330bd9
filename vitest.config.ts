import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Without this alias vitest can load graphql twice (ESM and CJS builds), and
    // graphql then refuses schemas from "another module or realm".
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Initializes one PGlite cluster for the run: in-memory test databases load its dump,
    // new embedded data folders get a copy (test/support/dataDir.ts); neither runs initdb.
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for an event with a deadline: 1 s by default, too short for a
    // browser page or a worker on two busy cores. A poll that passes returns at once.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    // Each file boots its own PGlite or PostgreSQL database; two at a time fit two cores.
    maxWorkers: 2,
    // PGlite's PostgreSQL is WebAssembly: V8's optimizing compiler would recompile its hot
    // functions on background threads, about 2 s of CPU in a process's first migrations,
    // seed and few hundred statements (3.3 s against 1.35 s), never earned back in a test file.
    execArgv: ['--liftoff-only'],
  },
});
