import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// Imports `module` in a fresh Node process and lists the QLDB driver's modules it loaded:
// amazon-qldb-driver-nodejs, the AWS SDK's QLDB clients, and figway's driver opener.
async function driverLoadedBy(module: string): Promise<string[]> {
  const url = new URL(module, import.meta.url).href;
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); loaded.add(found.url); return found; } });
    await import(${JSON.stringify(url)});
    const driver = [...loaded].filter((u) => /\\/(amazon-qldb-driver-nodejs|@aws-sdk\\/client-qldb[^/]*)\\//.test(u) || u.endsWith('/qldbLedgerDriver.ts'));
    process.stdout.write(JSON.stringify(driver.map((u) => u.replace(/^.*\\/(node_modules|src)\\//, '$1/'))));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
  });
  return JSON.parse(stdout) as string[];
}

describe('the QLDB driver', () => {
  it('is not loaded by the gateway, nor by its target side, until LEDGER_QLDB_ENDPOINT is set', async () => {
    expect(await driverLoadedBy('../../../../src/cli/serve.ts')).toEqual([]);
    expect(await driverLoadedBy('../../../../src/cli/openTargetSide.ts')).toEqual([]);
    expect(await driverLoadedBy('../../../../src/cli/openDriverTargetSide.ts')).toEqual([]);
  });

  it('is loaded by the driver opener, which the target side imports when the endpoint is set', async () => {
    expect(await driverLoadedBy('../../../../src/backends/ledger/driver/qldbLedgerDriver.ts')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^node_modules\/amazon-qldb-driver-nodejs\//),
        expect.stringMatching(/^node_modules\/@aws-sdk\/client-qldb\//),
      ]),
    );
  });
});
