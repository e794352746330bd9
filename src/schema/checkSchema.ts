import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import {
  canonicalSdl,
  type PublishedSchema,
  readCurrentSdl,
  readPublishedSchemas,
  SCHEMA_DIR,
} from './schemaFiles.ts';

/** One difference between the newest published schema and the current one. */
export interface SchemaChange {
  /** graphql-js's change type, e.g. FIELD_REMOVED or ARG_DEFAULT_VALUE_CHANGE. */
  type: string;
  description: string;
}

/** What `figway schema check` found. */
export interface SchemaCheck {
  /** The version compared against; null when nothing is published yet. */
  base: PublishedSchema | null;
  /** Changes that break clients of the base version. */
  breaking: SchemaChange[];
  /** Changes that may change behaviour for existing clients without breaking them. */
  dangerous: SchemaChange[];
  /** True when the current schema differs from the base at all (additions included). */
  changed: boolean;
}

/** Compares the current schema with the newest published version. */
export async function checkSchema(dir = SCHEMA_DIR): Promise<SchemaCheck> {
  const current = await readCurrentSdl(dir);
  const published = await readPublishedSchemas(dir);
  const base = published.at(-1) ?? null;
  if (base === null) return { base, breaking: [], dangerous: [], changed: true };
  const before = buildSchema(base.sdl);
  const after = buildSchema(current);
  return {
    base,
    breaking: findBreakingChanges(before, after).map(({ type, description }) => ({ type, description })),
    dangerous: findDangerousChanges(before, after).map(({ type, description }) => ({ type, description })),
    changed: canonicalSdl(before) !== canonicalSdl(after),
  };
}
