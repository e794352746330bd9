import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// Imports `module` in a fresh Node process and lists the remote-target modules it loaded:
// the HTTP executor, its batching, and figway's remote target side.
async function remoteCodeLoadedBy(module: string): Promise<string[]> {
  const url = new URL(module, import.meta.url).href;
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); loaded.add(found.url); return found; } });
    await import(${JSON.stringify(url)});
    const remote = [...loaded].filter((u) => [
      '/@graphql-tools/batch-execute/',
      '/@graphql-tools/executor-http/',
      '/@graphql-tools/stitch/',
      '/src/backends/remote/',
    ].some((part) => u.includes(part)));
    process.stdout.write(JSON.stringify(remote.map((u) => u.replace(/^.*\\/(node_modules|src)\\//, '$1/'))));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  return JSON.parse(stdout) as string[];
}

describe('the remote target code', () => {
  it('is not loaded by the gateway, nor by its target side, until remote targets are configured', async () => {
    expect(await remoteCodeLoadedBy('../../src/cli/serve.ts')).toEqual([]);
    expect(await remoteCodeLoadedBy('../../src/cli/openTargetSide.ts')).toEqual([]);
  });

  it('is loaded by the remote target store, which the target side imports when the service URLs are set', async () => {
    const loaded = await remoteCodeLoadedBy('../../src/backends/remote/openRemoteTargets.ts');
    expect(loaded).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^node_modules\/@graphql-tools\/batch-execute\//),
        expect.stringMatching(/^node_modules\/@graphql-tools\/executor-http\//),
      ]),
    );
    // @graphql-tools/stitch is a dev dependency (the benchmark's plain stitched gateway):
    // a production install has none.
    expect(loaded.filter((url) => url.includes('@graphql-tools/stitch/'))).toEqual([]);
  });
});
