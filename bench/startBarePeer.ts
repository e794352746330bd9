import { fileURLToPath } from 'node:url';
import { type ChildServer, startChildServer } from './childServer.ts';

const PEER_BIN = fileURLToPath(new URL('./bareApolloServer.ts', import.meta.url));

function listeningUrl(line: string): string | null {
  if (!line.includes('"bare peer is listening"')) return null;
  const { url } = JSON.parse(line) as { url?: unknown };
  return typeof url === 'string' ? url : null;
}

/**
 * Starts the bare Apollo peer (bench/bareApolloServer.ts) as a child process in
 * production mode over the legacy database `legacyUrl`, checking tokens with `jwt`,
 * its answers labelled with figway's `schemaVersion`.
 */
export function startBarePeer(
  legacyUrl: string,
  jwt: { secret: string; issuer: string },
  schemaVersion: string,
): Promise<ChildServer> {
  return startChildServer(
    process.execPath,
    [PEER_BIN],
    {
      NODE_ENV: 'production',
      SUPABASE_DB_URL: legacyUrl,
      SUPABASE_JWT_SECRET: jwt.secret,
      SUPABASE_JWT_ISSUER: jwt.issuer,
      BARE_SCHEMA_VERSION: schemaVersion,
    },
    listeningUrl,
  );
}
