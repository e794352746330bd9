// The gateway's ledger reached through amazon-qldb-driver-nodejs: its settings, read by
// src/config.ts from LEDGER_QLDB_ENDPOINT, FIGWAY_LEDGER_NAME and FIGWAY_LEDGER_ACCESS_KEY.
import { ConfigError } from './config.ts';
import type { LegacyConfig } from './configTypes.ts';

/** The ledger name QLDB clients use when FIGWAY_LEDGER_NAME is not set: the Connect guide's. */
export const DEFAULT_LEDGER_NAME = 'connect-commitments-ledger';

/**
 * The region requests to the ledger are signed for. figway's QLDB endpoint accepts any
 * region (Amazon QLDB itself reached end of support), so it is fixed rather than set.
 */
export const LEDGER_DRIVER_REGION = 'us-east-1';

/** Where the ledger's QLDB endpoint answers and how the gateway signs its requests to it. */
export interface LedgerDriverConfig {
  /** The endpoint of `figway ledger serve` (session API and control plane), e.g. `http://ledger.internal:4100`. */
  endpoint: string;
  /** The ledger name its clients use (`FIGWAY_LEDGER_NAME`). */
  ledgerName: string;
  /** The region requests are signed for: always {@link LEDGER_DRIVER_REGION}. */
  region: string;
  /** One of the endpoint's `FIGWAY_LEDGER_ACCESS_KEYS`. */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The settings {@link ledgerDriverTargets} reads, as src/config.ts validated them. */
export interface LedgerDriverSettings {
  LEDGER_QLDB_ENDPOINT?: string | undefined;
  LEDGER_DATABASE_URL?: string | undefined;
  OLTP_DATABASE_URL?: string | undefined;
  LEDGER_SERVICE_URL?: string | undefined;
  FIGWAY_LEDGER_NAME?: string | undefined;
  FIGWAY_LEDGER_ACCESS_KEY?: string | undefined;
}

const KEY_FORMAT =
  'one id:secret pair, e.g. "gateway:s3cret", listed in the endpoint\'s FIGWAY_LEDGER_ACCESS_KEYS';

function credentialsOf(text: string | undefined): LedgerDriverConfig['credentials'] {
  if (text === undefined)
    throw new ConfigError(
      `LEDGER_QLDB_ENDPOINT is set but FIGWAY_LEDGER_ACCESS_KEY is not: set it to ${KEY_FORMAT}.`,
    );
  const colon = text.indexOf(':');
  const accessKeyId = text.slice(0, colon).trim();
  const secretAccessKey = text.slice(colon + 1).trim();
  // An id ends up inside `Credential=<id>/<date>/...`, where `/` and whitespace split it.
  if (colon < 0 || accessKeyId === '' || secretAccessKey === '' || /[\s/]/.test(accessKeyId))
    throw new ConfigError(`FIGWAY_LEDGER_ACCESS_KEY is not ${KEY_FORMAT}.`);
  return { accessKeyId, secretAccessKey };
}

/**
 * The targets when the ledger is reached through the QLDB driver (`LEDGER_QLDB_ENDPOINT`),
 * or null when it is not set. Throws {@link ConfigError} when LEDGER_DATABASE_URL or
 * LEDGER_SERVICE_URL is set too (one ledger, one way to reach it), when OLTP_DATABASE_URL or the access key is
 * missing, and for the embedded default, which keeps its ledger in process.
 */
export function ledgerDriverTargets(
  env: LedgerDriverSettings,
  legacy: LegacyConfig,
): { kind: 'qldb'; ledger: LedgerDriverConfig; oltpUrl: string } | null {
  const endpoint = env.LEDGER_QLDB_ENDPOINT;
  if (endpoint === undefined) return null;
  if (env.LEDGER_DATABASE_URL !== undefined)
    throw new ConfigError(
      'LEDGER_DATABASE_URL and LEDGER_QLDB_ENDPOINT are both set: set one. LEDGER_DATABASE_URL opens the ' +
        "ledger's database in process; LEDGER_QLDB_ENDPOINT reaches it through `figway ledger serve`.",
    );
  if (env.LEDGER_SERVICE_URL !== undefined)
    throw new ConfigError(
      'LEDGER_SERVICE_URL and LEDGER_QLDB_ENDPOINT are both set: set one. LEDGER_SERVICE_URL reaches the ' +
        "ledger's GraphQL service; LEDGER_QLDB_ENDPOINT reaches its QLDB endpoint (`figway ledger serve`).",
    );
  if (legacy.transport === 'embedded')
    throw new ConfigError(
      'LEDGER_QLDB_ENDPOINT needs a hosted legacy (SUPABASE_DB_URL or SUPABASE_URL): the embedded ' +
        'default keeps its ledger in process.',
    );
  if (env.OLTP_DATABASE_URL === undefined)
    throw new ConfigError(
      'LEDGER_QLDB_ENDPOINT is set but OLTP_DATABASE_URL is not: the target side needs both the ledger ' +
        'and the OLTP database.',
    );
  return {
    kind: 'qldb',
    ledger: {
      endpoint,
      ledgerName: env.FIGWAY_LEDGER_NAME ?? DEFAULT_LEDGER_NAME,
      region: LEDGER_DRIVER_REGION,
      credentials: credentialsOf(env.FIGWAY_LEDGER_ACCESS_KEY),
    },
    oltpUrl: env.OLTP_DATABASE_URL,
  };
}
