import { z } from 'zod';
import type { LegacyConfig, TargetServicesConfig } from './configTypes.ts';
import { MIN_SERVICE_KEY_LENGTH } from './core/serviceKeyHeader.ts';

/**
 * `FIGWAY_SERVICE_KEY`, the secret shared by the gateways and their target services:
 * unset, or at least {@link MIN_SERVICE_KEY_LENGTH} characters, since a short one can be guessed.
 */
export const serviceKeySetting = z
  .string()
  .min(
    MIN_SERVICE_KEY_LENGTH,
    `must be at least ${MIN_SERVICE_KEY_LENGTH} characters: set the same long random secret ` +
      '(e.g. `openssl rand -hex 32`) on the gateways and their target services, or leave it unset',
  )
  .optional();

/** The settings of the target services, as the environment gives them once each is validated. */
export interface TargetServiceSettings {
  LEDGER_SERVICE_URL?: string | undefined;
  OLTP_SERVICE_URL?: string | undefined;
  LEDGER_SERVICE_TIMEOUT_MS: number;
  OLTP_SERVICE_TIMEOUT_MS: number;
}

/**
 * The target services (`LEDGER_SERVICE_URL`, `OLTP_SERVICE_URL`, both or neither, with a
 * hosted legacy), or null when neither is set. A problem goes to `fail` (loadConfig
 * throws it as a ConfigError), which does not return.
 */
export function targetServicesConfig(
  env: TargetServiceSettings,
  legacy: LegacyConfig,
  fail: (problem: string) => never,
): TargetServicesConfig | null {
  const { LEDGER_SERVICE_URL: ledgerUrl, OLTP_SERVICE_URL: oltpUrl } = env;
  if (ledgerUrl === undefined && oltpUrl === undefined) return null;
  if (ledgerUrl === undefined || oltpUrl === undefined) {
    return fail(
      "LEDGER_SERVICE_URL and OLTP_SERVICE_URL go together: set both (each a target service's GraphQL " +
        'endpoint, e.g. http://127.0.0.1:4010/graphql) or neither.',
    );
  }
  if (legacy.transport === 'embedded') {
    return fail(
      'LEDGER_SERVICE_URL and OLTP_SERVICE_URL need a hosted legacy (SUPABASE_DB_URL or SUPABASE_URL): ' +
        'the embedded default keeps its targets in process.',
    );
  }
  return {
    ledger: { url: ledgerUrl, timeoutMs: env.LEDGER_SERVICE_TIMEOUT_MS },
    oltp: { url: oltpUrl, timeoutMs: env.OLTP_SERVICE_TIMEOUT_MS },
  };
}
