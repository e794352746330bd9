import { createHash } from 'node:crypto';

/** A record of either side in the terms both share (a commitment document, a profile, a commitment type). */
export interface SideRecord {
  readonly id: string;
}

function fieldsOf(record: SideRecord): Record<string, unknown> {
  return record as unknown as Record<string, unknown>;
}

// The lists of a commitment are sets keyed by id: their order on either side means nothing.
const SETS_BY_ID = new Set(['parties', 'documents']);

function byId(list: readonly unknown[]): unknown[] {
  const key = (item: unknown) =>
    typeof item === 'object' && item !== null && 'id' in item ? String(item.id) : JSON.stringify(item);
  return [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sortedKeys(value: unknown, field: string | null): unknown {
  if (Array.isArray(value)) {
    const items = field !== null && SETS_BY_ID.has(field) ? byId(value) : value;
    return items.map((item) => sortedKeys(item, null));
  }
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key], key)]),
  );
}

/** A value as one string whatever the order of its keys, and of its parties and documents. */
export function canonicalJson(value: unknown, field: string | null = null): string {
  return JSON.stringify(sortedKeys(value, field)) ?? 'undefined';
}

/** The hash of a record's canonical form. */
export function hashRecord(record: SideRecord): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/** The hash of a set of rows, given as id and row hash, whatever their order. */
export function hashRows(rows: Iterable<readonly [id: string, hash: string]>): string {
  const lines = [...rows].map(([id, hash]) => `${id}:${hash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function sameSet(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return canonicalJson(a) === canonicalJson(b);
  const keyed = (list: readonly unknown[]) =>
    new Map(
      list.map((item) => [
        typeof item === 'object' && item !== null && 'id' in item ? String(item.id) : canonicalJson(item),
        canonicalJson(item),
      ]),
    );
  const left = keyed(a);
  const right = keyed(b);
  return left.size === right.size && [...left].every(([id, value]) => right.get(id) === value);
}

/**
 * The fields whose values differ between two records of the same id, in field
 * order; `parties` and `documents` are compared as sets by id.
 */
export function differingFields(legacy: SideRecord, target: SideRecord): string[] {
  const left = fieldsOf(legacy);
  const right = fieldsOf(target);
  const fields = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  return fields.filter((field) =>
    SETS_BY_ID.has(field)
      ? !sameSet(left[field], right[field])
      : canonicalJson(left[field], field) !== canonicalJson(right[field], field),
  );
}
