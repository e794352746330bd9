import type { ConnectStore } from '../backends/connectStore.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { createPostgresTransport } from '../backends/supabase/postgresTransport.ts';
import type { LegacyConfig } from '../config.ts';
import { openEmbeddedLegacy } from '../embedded/openEmbeddedLegacy.ts';

/** Opens the legacy Supabase store the configuration names. */
export async function openLegacyStore(config: LegacyConfig): Promise<ConnectStore> {
  switch (config.transport) {
    case 'embedded':
      return createPostgresTransport((await openEmbeddedLegacy(config.dataDir)).db);
    case 'postgres':
      return createPostgresTransport(openPostgresDatabase({ connectionString: config.databaseUrl }));
    case 'rest': {
      // Loaded on demand: supabase-js is only needed for a hosted project.
      const { createRestTransport } = await import('../backends/supabase/restTransport.ts');
      return createRestTransport({ url: config.url, anonKey: config.anonKey });
    }
  }
}
