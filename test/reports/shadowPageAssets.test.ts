import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadShadowPageAssets,
  SHADOW_PAGE_ENTRY,
  SHADOW_PAGE_STYLESHEET,
  type ShadowPageAsset,
} from '../../src/reports/shadowPageAssets.ts';

const run = promisify(execFile);
const PAGE_DIR = new URL('../../src/reports/page/', import.meta.url);

/** The module specifiers of `source`: static imports, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const found = source.matchAll(/\b(?:from|import)\s*\(?\s*(['"])([^'"]+)\1/g);
  return [...found].map((match) => match[2] ?? '');
}

describe('loadShadowPageAssets', () => {
  let assets: ReadonlyMap<string, ShadowPageAsset>;
  let modules: Array<[string, ShadowPageAsset]>;
  beforeAll(async () => {
    assets = await loadShadowPageAssets();
    modules = [...assets].filter(([name]) => name.endsWith('.js'));
  });

  it('serves each browser module of src/reports/page as JavaScript, and the stylesheet as CSS', async () => {
    const sources = (await readdir(PAGE_DIR)).filter((name) => name.endsWith('.ts'));
    expect(modules.map(([name]) => name).sort()).toEqual(
      sources.map((name) => name.replace(/\.ts$/, '.js')).sort(),
    );
    expect(modules.map(([, asset]) => asset.contentType)).toEqual(
      modules.map(() => 'text/javascript; charset=utf-8'),
    );
    expect(assets.get(SHADOW_PAGE_STYLESHEET)?.contentType).toBe('text/css; charset=utf-8');
    expect(assets.get(SHADOW_PAGE_STYLESHEET)?.body).toContain('.badge-rollback');
    expect(assets.has(SHADOW_PAGE_ENTRY)).toBe(true);
    expect(assets.has('tsconfig.json')).toBe(false);
  });

  it('strips the types, so every module parses as plain JavaScript', async () => {
    // One Node parses (without linking or running) each module as JavaScript, which a
    // type left in it would break: the same check Chromium makes, where no Chromium is.
    const parse = `const { SourceTextModule } = await import('node:vm');
      for (const [name, body] of JSON.parse(process.argv[1])) {
        try { new SourceTextModule(body, { identifier: name }); }
        catch (error) { console.log(name + ': ' + error.message); }
      }`;
    const { stdout } = await run(process.execPath, [
      '--experimental-vm-modules',
      '--no-warnings',
      '--input-type=module',
      '--eval',
      parse,
      JSON.stringify(modules.map(([name, asset]) => [name, asset.body])),
    ]);
    expect(stdout).toBe('');
    expect(assets.get('fetchShadowApi.js')?.body).not.toMatch(/import type|: ShadowApi\b/);
  });

  it('imports only other served modules, by relative URL', () => {
    const imported = modules.flatMap(([name, asset]) =>
      specifiers(asset.body).map((specifier) => ({ name, specifier })),
    );
    expect(imported.length).toBeGreaterThan(modules.length);
    for (const { name, specifier } of imported) {
      expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[A-Za-z]+\.js$/);
      expect(assets.has(specifier.slice(2)), `${name} imports ${specifier}`).toBe(true);
    }
  });

  it('loads nothing from another origin and writes no data through innerHTML', () => {
    for (const [name, asset] of assets) {
      expect(asset.body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      expect(asset.body, name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)|@import|url\(/);
    }
  });
});
