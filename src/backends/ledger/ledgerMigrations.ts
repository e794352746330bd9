import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../sql/applyMigrations.ts';

/** The ledger's tables: strands, blocks, revisions, Merkle tree nodes and the committed view. */
export const LEDGER_MIGRATIONS: MigrationSet = {
  name: 'ledger',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};
