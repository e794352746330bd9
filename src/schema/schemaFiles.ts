import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';

/** The folder of the public contract: `*.graphql` for the current schema, `published/` for frozen versions. */
export const SCHEMA_DIR = fileURLToPath(new URL('../../schema', import.meta.url));

/** The current schema's SDL: every `schema/*.graphql` file, in name order. */
export async function readCurrentSdl(dir = SCHEMA_DIR): Promise<string> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql')).sort();
  if (files.length === 0) throw new Error(`No *.graphql files in ${dir}.`);
  const parts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  return parts.join('\n');
}

/** A published, frozen version of the schema. */
export interface PublishedSchema {
  /** `1` for `published/v1.graphql`. */
  number: number;
  label: string;
  path: string;
  sdl: string;
}

/** The published versions, oldest first. */
export async function readPublishedSchemas(dir = SCHEMA_DIR): Promise<PublishedSchema[]> {
  const publishedDir = join(dir, 'published');
  const files = await readdir(publishedDir).catch(() => [] as string[]);
  const versions = files
    .map((file) => ({ file, match: /^v(\d+)\.graphql$/.exec(file) }))
    .flatMap(({ file, match }) => (match?.[1] === undefined ? [] : [{ file, number: Number(match[1]) }]))
    .sort((a, b) => a.number - b.number);
  return Promise.all(
    versions.map(async ({ file, number }) => ({
      number,
      label: `v${number}`,
      path: join(publishedDir, file),
      sdl: await readFile(join(publishedDir, file), 'utf8'),
    })),
  );
}

/** The SDL of a schema in a stable form: types and fields sorted, descriptions kept. */
export function canonicalSdl(schema: GraphQLSchema | string): string {
  const built = typeof schema === 'string' ? buildSchema(schema) : schema;
  return `${printSchema(lexicographicSortSchema(built))}\n`;
}
