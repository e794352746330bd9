import { applyMigrations } from '../../backends/sql/applyMigrations.ts';
import type { Database } from '../../core/database.ts';
import { CAPTURE_MIGRATIONS } from './syncMigrations.ts';

const CAPTURED_TABLES = [
  'public.profiles',
  'public.commitment_types',
  'public.commitments',
  'public.commitment_parties',
  'public.commitment_documents',
];

/**
 * Installs change capture on the legacy database (the queue and its triggers) when it
 * has the Connect tables; returns false, changing nothing, when it does not yet (before
 * `figway legacy setup`), so the gateway can still start and say so.
 */
export async function installChangeCapture(legacy: Database): Promise<boolean> {
  const [row] = await legacy.query(
    'select count(*)::int as found from unnest($1::text[]) as name where to_regclass(name) is not null',
    [CAPTURED_TABLES],
  );
  if (Number(row?.found) < CAPTURED_TABLES.length) return false;
  await applyMigrations(legacy, CAPTURE_MIGRATIONS);
  return true;
}
