#!/usr/bin/env node
// figway runs its TypeScript sources directly with Node's type stripping (Node >= 22.18).
// Node's compile cache keeps their stripped and compiled form on disk (in the system's
// temporary directory, or NODE_COMPILE_CACHE), so every start after the first skips most
// of that work; NODE_DISABLE_COMPILE_CACHE=1 turns it off. The sources are imported only
// once the cache is on.
import module from 'node:module';

module.enableCompileCache?.();
await import('../src/cli/figway.ts');
