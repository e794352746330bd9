import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSchema } from './checkSchema.ts';
import { canonicalSdl, readCurrentSdl, SCHEMA_DIR } from './schemaFiles.ts';

/** What `figway schema publish` did. */
export type PublishOutcome =
  | { kind: 'published'; label: string; path: string }
  | { kind: 'unchanged'; label: string }
  | { kind: 'refused'; breaking: string[] };

/**
 * Freezes the current schema as the next version `published/v<N+1>.graphql`.
 * Refuses when it breaks the newest published version, unless `allowBreaking`;
 * does nothing when the current schema equals it.
 */
export async function publishSchema(options: { dir?: string; allowBreaking?: boolean } = {}) {
  const dir = options.dir ?? SCHEMA_DIR;
  const check = await checkSchema(dir);
  if (check.base !== null && !check.changed) {
    return { kind: 'unchanged', label: check.base.label } satisfies PublishOutcome;
  }
  if (check.breaking.length > 0 && options.allowBreaking !== true) {
    return {
      kind: 'refused',
      breaking: check.breaking.map((change) => change.description),
    } satisfies PublishOutcome;
  }
  const label = `v${(check.base?.number ?? 0) + 1}`;
  const path = join(dir, 'published', `${label}.graphql`);
  await writeFile(path, canonicalSdl(await readCurrentSdl(dir)), { flag: 'wx' });
  return { kind: 'published', label, path } satisfies PublishOutcome;
}
