import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Without this alias vitest can load graphql twice (ESM and CJS builds), and
    // graphql then refuses schemas from "another module or realm".
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Dumps one fresh PGlite cluster that the run's in-memory test databases load.
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file boots its own PGlite or PostgreSQL database; two at a time fit two cores.
    maxWorkers: 2,
    // PGlite's PostgreSQL is WebAssembly: V8's optimizing compiler would recompile its hot
    // functions on background threads, about 2 s of CPU per worker that a test file's few
    // hundred statements never earn back; the baseline compiler alone is as fast for them.
    execArgv: ['--liftoff-only'],
  },
});
