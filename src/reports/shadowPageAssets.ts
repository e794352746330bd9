import { readdir, readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';

/** The path the shadow page's browser modules and stylesheet are served under. */
export const SHADOW_PAGE_ASSETS_PATH = '/admin/shadow/assets/';
/** The module the page starts from; it imports the others by relative URL. */
export const SHADOW_PAGE_ENTRY = 'main.js';
/** The page's main stylesheet: the page, its tables and their narrow layout. */
export const SHADOW_PAGE_STYLESHEET = 'shadowPage.css';
/** Every stylesheet the page links, in order: the main one, then the charts' and the drill-down's. */
export const SHADOW_PAGE_STYLESHEETS: readonly string[] = [SHADOW_PAGE_STYLESHEET, 'shadowPageDetails.css'];

/** One file the page loads, ready to send. */
export interface ShadowPageAsset {
  contentType: string;
  body: string;
}

const PAGE_DIR = new URL('./page/', import.meta.url);

function assetOf(name: string, source: string): [string, ShadowPageAsset] | null {
  if (name.endsWith('.ts')) {
    // Strip mode blanks the types out in place, so lines and columns in the browser's
    // stack traces are those of the .ts file named by sourceURL.
    const body = stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: `page/${name}` });
    return [name.replace(/\.ts$/, '.js'), { contentType: 'text/javascript; charset=utf-8', body }];
  }
  if (name.endsWith('.css')) return [name, { contentType: 'text/css; charset=utf-8', body: source }];
  return null;
}

/**
 * The shadow page's browser code and stylesheet, by the name the page requests them under:
 * each TypeScript module of `src/reports/page/` with its types stripped as `<name>.js`
 * (the modules import each other as `./<name>.js`), and each stylesheet as it is. Rejects
 * when a module is not valid TypeScript, which type checking and the tests rule out.
 */
export async function loadShadowPageAssets(): Promise<ReadonlyMap<string, ShadowPageAsset>> {
  const assets = new Map<string, ShadowPageAsset>();
  for (const name of (await readdir(PAGE_DIR)).sort()) {
    if (!name.endsWith('.ts') && !name.endsWith('.css')) continue;
    const asset = assetOf(name, await readFile(new URL(name, PAGE_DIR), 'utf8'));
    if (asset !== null) assets.set(...asset);
  }
  return assets;
}
