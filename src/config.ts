import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { serviceKeySetting, targetServicesConfig } from './configTargetServices.ts';
import type {
  AuthConfig,
  Config,
  FlagsConfig,
  LegacyConfig,
  MetricsConfig,
  TargetsConfig,
} from './configTypes.ts';
import { DEFAULT_QUERY_LIMITS } from './configTypes.ts';
import { ledgerDriverTargets } from './ledgerDriverConfig.ts';
import { supabaseIssuer } from './supabaseIssuer.ts';

/** The folder of the flag catalogue and the default flag definitions. */
export const FLAGS_DIR = fileURLToPath(new URL('../flags', import.meta.url));

export type {
  AuthConfig,
  Config,
  FlagsConfig,
  LegacyConfig,
  MetricsConfig,
  QueryLimits,
  ShadowConfig,
  TargetServiceConfig,
  TargetServicesConfig,
  TargetsConfig,
} from './configTypes.ts';
export { DEFAULT_QUERY_LIMITS } from './configTypes.ts';

/** The `iss` of the tokens the embedded default signs and expects. */
export const EMBEDDED_JWT_ISSUER = 'figway-embedded';

// Public, so hashes keyed with it can be reversed by hashing every user id: the embedded default only.
const PUBLIC_SHADOW_SALT = 'figway-observations';

const environment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  FIGWAY_DATA_DIR: z.string().min(1).default('.figway'),
  FIGWAY_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  FIGWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  FIGWAY_MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxDepth),
  FIGWAY_MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_QUERY_LIMITS.maxAliases),
  FIGWAY_MAX_QUERY_ROOT_FIELDS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_QUERY_LIMITS.maxRootFields),
  FIGWAY_MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(DEFAULT_QUERY_LIMITS.maxDirectives),
  FIGWAY_MAX_QUERY_TOKENS: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxTokens),
  FIGWAY_MAX_QUERY_COST: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.maxCost),
  FIGWAY_QUERY_LIST_SIZE: z.coerce.number().int().positive().default(DEFAULT_QUERY_LIMITS.assumedListSize),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SUPABASE_DB_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  SUPABASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPABASE_ANON_KEY: z.string().min(1).optional(),
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  SUPABASE_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPABASE_JWT_AUDIENCE: z.string().min(1).default('authenticated'),
  SUPABASE_JWT_ISSUER: z.string().min(1).optional(),
  FIGWAY_INTROSPECTION: z.enum(['true', 'false']).optional(),
  FIGWAY_METRICS_TOKEN: z.string().min(16).optional(),
  FIGWAY_METRICS_HOST: z.string().min(1).optional(),
  FIGWAY_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  LEDGER_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  OLTP_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  LEDGER_QLDB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected http(s)://host:port' }).optional(),
  FIGWAY_LEDGER_NAME: z.string().min(1).optional(),
  FIGWAY_LEDGER_ACCESS_KEY: z.string().min(1).optional(),
  LEDGER_SERVICE_URL: z
    .url({ protocol: /^https?$/, error: 'expected http(s)://host:port/graphql' })
    .optional(),
  OLTP_SERVICE_URL: z.url({ protocol: /^https?$/, error: 'expected http(s)://host:port/graphql' }).optional(),
  LEDGER_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  OLTP_SERVICE_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  FIGWAY_SERVICE_KEY: serviceKeySetting,
  UNLEASH_URL: z.url({ protocol: /^https?$/ }).optional(),
  UNLEASH_API_TOKEN: z.string().min(1).optional(),
  UNLEASH_REFRESH_MS: z.coerce.number().int().min(100).default(15_000),
  FIGWAY_FLAGS_FILE: z.string().min(1).optional(),
  FIGWAY_FLAGS_POLL_MS: z.coerce.number().int().min(50).default(250),
  FIGWAY_CATALOGUE_FILE: z.string().min(1).optional(),
  OBSERVATIONS_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  FIGWAY_SHADOW_SALT: z.string().min(8).optional(),
  FIGWAY_SHADOW_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(64),
  FIGWAY_SHADOW_MAX_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  FIGWAY_OBSERVATION_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  FIGWAY_SYNC_APPLIER: z.enum(['on', 'off']).default('on'),
  FIGWAY_SYNC_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  FIGWAY_SYNC_POLL_MS: z.coerce.number().int().min(50).default(1_000),
  FIGWAY_SYNC_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  REDIS_URL: z
    .url({
      protocol: /^rediss?$/,
      error: 'expected redis://[user:password@]host[:port][/db] or rediss://...',
    })
    .optional(),
  FIGWAY_SUBSCRIPTION_QUEUE: z.coerce.number().int().positive().default(1_000),
  FIGWAY_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().positive().default(100),
});

/** Thrown at start-up when the environment does not describe a usable gateway; names the setting and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Environment = z.infer<typeof environment>;

function legacyConfig(env: Environment, dataDir: string): LegacyConfig {
  if (env.SUPABASE_DB_URL !== undefined) return { transport: 'postgres', databaseUrl: env.SUPABASE_DB_URL };
  if (env.SUPABASE_URL !== undefined) {
    if (env.SUPABASE_ANON_KEY === undefined) {
      throw new ConfigError(
        "SUPABASE_URL is set but SUPABASE_ANON_KEY is not: set it to the project's anon key (Project Settings > API).",
      );
    }
    return { transport: 'rest', url: env.SUPABASE_URL, anonKey: env.SUPABASE_ANON_KEY };
  }
  return { transport: 'embedded', dataDir };
}

function targetsConfig(env: Environment, legacy: LegacyConfig): TargetsConfig {
  const driver = ledgerDriverTargets(env, legacy);
  if (driver !== null) return driver;
  const { LEDGER_DATABASE_URL: ledgerUrl, OLTP_DATABASE_URL: oltpUrl } = env;
  if (ledgerUrl !== undefined && oltpUrl !== undefined) return { kind: 'postgres', ledgerUrl, oltpUrl };
  if (ledgerUrl !== undefined || oltpUrl !== undefined) {
    throw new ConfigError(
      'LEDGER_DATABASE_URL and OLTP_DATABASE_URL go together: set both (they may name the same database) or neither.',
    );
  }
  return legacy.transport === 'embedded' ? { kind: 'embedded' } : { kind: 'none' };
}

function flagsConfig(env: Environment, legacy: LegacyConfig, dataDir: string, cwd: string): FlagsConfig {
  if (env.UNLEASH_URL !== undefined) {
    if (env.UNLEASH_API_TOKEN === undefined) {
      throw new ConfigError(
        'UNLEASH_URL is set but UNLEASH_API_TOKEN is not: set it to a client (backend) token of that Unleash.',
      );
    }
    return {
      kind: 'unleash',
      url: env.UNLEASH_URL,
      token: env.UNLEASH_API_TOKEN,
      refreshMs: env.UNLEASH_REFRESH_MS,
    };
  }
  // The embedded default keeps its own copy of the flags, which `figway flags set` edits.
  const fallback =
    legacy.transport === 'embedded' ? resolve(dataDir, 'flags.json') : resolve(FLAGS_DIR, 'definitions.json');
  const path = env.FIGWAY_FLAGS_FILE === undefined ? fallback : resolve(cwd, env.FIGWAY_FLAGS_FILE);
  return { kind: 'file', path, pollMs: env.FIGWAY_FLAGS_POLL_MS };
}

function authConfig(env: Environment, legacy: LegacyConfig, dataDir: string): AuthConfig {
  const audience = env.SUPABASE_JWT_AUDIENCE;
  const issuer =
    env.SUPABASE_JWT_ISSUER ??
    supabaseIssuer({ apiUrl: env.SUPABASE_URL, jwksUrl: env.SUPABASE_JWKS_URL, dbUrl: env.SUPABASE_DB_URL });
  const claims = { audience, issuer };
  if (env.SUPABASE_JWT_SECRET !== undefined)
    return { kind: 'secret', secret: env.SUPABASE_JWT_SECRET, ...claims };
  if (env.SUPABASE_JWKS_URL !== undefined) return { kind: 'jwks', url: env.SUPABASE_JWKS_URL, ...claims };
  if (legacy.transport === 'embedded') {
    return { kind: 'embedded', dataDir, audience, issuer: env.SUPABASE_JWT_ISSUER ?? EMBEDDED_JWT_ISSUER };
  }
  throw new ConfigError(
    "A hosted Supabase project needs SUPABASE_JWT_SECRET (the project's JWT secret) or SUPABASE_JWKS_URL " +
      '(https://<project>.supabase.co/auth/v1/.well-known/jwks.json) to verify tokens.',
  );
}

/**
 * `SUPABASE_DB_URL` alone, validated as {@link loadConfig} validates it, or undefined
 * when unset: for `figway legacy setup`, which needs no gateway settings (no JWT secret).
 */
export function loadLegacyDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.SUPABASE_DB_URL;
  if (value === undefined || value === '') return undefined;
  const parsed = environment.shape.SUPABASE_DB_URL.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration:\n  SUPABASE_DB_URL: ${parsed.error.issues[0]?.message ?? 'invalid'} ` +
        '(expected postgres://user@host:port/database)',
    );
  }
  return parsed.data;
}

function metricsConfig(env: Environment): MetricsConfig {
  return {
    token: env.FIGWAY_METRICS_TOKEN ?? null,
    listen:
      env.FIGWAY_METRICS_PORT === undefined
        ? null
        : { host: env.FIGWAY_METRICS_HOST ?? env.HOST, port: env.FIGWAY_METRICS_PORT },
  };
}

/** Reads the configuration from `env`; throws {@link ConfigError} naming each bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // An empty variable (`FOO= figway serve`) means unset, as shells and .env files use it.
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environment.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  const dataDir = resolve(cwd, values.FIGWAY_DATA_DIR);
  const legacy = legacyConfig(values, dataDir);
  const development =
    values.NODE_ENV === 'development' ||
    (legacy.transport === 'embedded' && values.NODE_ENV !== 'production');
  return {
    development,
    host: values.HOST,
    port: values.PORT,
    dataDir,
    legacy,
    targets: targetsConfig(values, legacy),
    targetServices: targetServicesConfig(values, legacy, (problem) => {
      throw new ConfigError(problem);
    }),
    serviceKey: values.FIGWAY_SERVICE_KEY ?? null,
    flags: flagsConfig(values, legacy, dataDir, cwd),
    catalogueFile:
      values.FIGWAY_CATALOGUE_FILE === undefined ? null : resolve(cwd, values.FIGWAY_CATALOGUE_FILE),
    shadow: {
      store:
        values.OBSERVATIONS_DATABASE_URL !== undefined
          ? { kind: 'postgres', url: values.OBSERVATIONS_DATABASE_URL }
          : legacy.transport === 'embedded'
            ? { kind: 'embedded' }
            : { kind: 'none' },
      salt:
        values.FIGWAY_SHADOW_SALT ??
        (legacy.transport === 'embedded' && values.NODE_ENV !== 'production' ? PUBLIC_SHADOW_SALT : null),
      maxInFlight: values.FIGWAY_SHADOW_MAX_IN_FLIGHT,
      maxWaitMs: values.FIGWAY_SHADOW_MAX_WAIT_MS,
      retentionDays: values.FIGWAY_OBSERVATION_RETENTION_DAYS,
    },
    auth: authConfig(values, legacy, dataDir),
    introspection:
      values.FIGWAY_INTROSPECTION === undefined ? development : values.FIGWAY_INTROSPECTION === 'true',
    metrics: metricsConfig(values),
    maxBodyBytes: values.FIGWAY_MAX_BODY_BYTES,
    requestTimeoutMs: values.FIGWAY_REQUEST_TIMEOUT_MS,
    queryLimits: {
      maxDepth: values.FIGWAY_MAX_QUERY_DEPTH,
      maxAliases: values.FIGWAY_MAX_QUERY_ALIASES,
      maxRootFields: values.FIGWAY_MAX_QUERY_ROOT_FIELDS,
      maxDirectives: values.FIGWAY_MAX_QUERY_DIRECTIVES,
      maxTokens: values.FIGWAY_MAX_QUERY_TOKENS,
      maxCost: values.FIGWAY_MAX_QUERY_COST,
      assumedListSize: values.FIGWAY_QUERY_LIST_SIZE,
    },
    sync: {
      applier: values.FIGWAY_SYNC_APPLIER === 'on',
      maxAttempts: values.FIGWAY_SYNC_MAX_ATTEMPTS,
      pollMs: values.FIGWAY_SYNC_POLL_MS,
      leaseMs: values.FIGWAY_SYNC_LEASE_MS,
    },
    redisUrl: values.REDIS_URL ?? null,
    subscriptionQueueLimit: values.FIGWAY_SUBSCRIPTION_QUEUE,
    subscriptionSocketLimit: values.FIGWAY_SUBSCRIPTIONS_PER_SOCKET,
    logLevel: values.LOG_LEVEL,
  };
}

/**
 * The salt `figway serve` keys user hashes with. Outside the embedded default it
 * must be a secret: the public default would let anyone reverse the hashes by
 * hashing every user id, so a gateway without FIGWAY_SHADOW_SALT refuses to start.
 */
export function requireShadowSalt(config: Config): string {
  if (config.shadow.salt !== null) return config.shadow.salt;
  throw new ConfigError(
    'FIGWAY_SHADOW_SALT is not set: outside the embedded default, set it to a long random secret ' +
      '(e.g. `openssl rand -hex 32`); it keys the hashes of user ids in shadow observations.',
  );
}

/** The `iss` user tokens must carry; throws naming SUPABASE_JWT_ISSUER when no setting names the project. */
export function requireJwtIssuer(auth: AuthConfig): string {
  if (auth.issuer !== null) return auth.issuer;
  throw new ConfigError(
    'SUPABASE_JWT_ISSUER is not set and no Supabase project URL names it: set it to the iss of your ' +
      "users' tokens, Supabase Auth's URL (https://<project>.supabase.co/auth/v1, or " +
      'http://127.0.0.1:54321/auth/v1 for the Supabase CLI).',
  );
}
