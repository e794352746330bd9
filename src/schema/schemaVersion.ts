import { createHash } from 'node:crypto';
import { canonicalSdl, type PublishedSchema } from './schemaFiles.ts';

/**
 * The version label responses carry in `extensions.figway.schemaVersion`: the newest
 * published version (`v1`) when the served schema equals it, `v1+<hash>` when the
 * served schema adds unpublished changes to it, `unpublished+<hash>` before any
 * version is published.
 */
export function schemaVersion(currentSdl: string, published: readonly PublishedSchema[]): string {
  const current = canonicalSdl(currentSdl);
  const newest = published.at(-1);
  if (newest !== undefined && canonicalSdl(newest.sdl) === current) return newest.label;
  const hash = createHash('sha256').update(current).digest('hex').slice(0, 8);
  return `${newest?.label ?? 'unpublished'}+${hash}`;
}
