import type { Database, Queryable } from '../../core/database.ts';

/**
 * Reads the legacy database as `service_role`, which bypasses row-level security,
 * in one transaction so a batch sees one consistent snapshot.
 */
export function readLegacyAsService<T>(legacy: Database, read: (tx: Queryable) => Promise<T>): Promise<T> {
  return legacy.transaction(async (tx) => {
    await tx.query("select set_config('role', 'service_role', true)");
    return read(tx);
  });
}
