// The shape of figway's configuration; src/config.ts reads it from the environment.
import type { LedgerDriverConfig } from './ledgerDriverConfig.ts';

/** Where legacy Supabase data lives and how figway reaches it. */
export type LegacyConfig =
  | { transport: 'embedded'; dataDir: string }
  | { transport: 'postgres'; databaseUrl: string }
  | { transport: 'rest'; url: string; anonKey: string };

/**
 * Where the target backends live: in the embedded database (own schemas), in two
 * PostgreSQL databases, the ledger behind a QLDB endpoint (`LEDGER_QLDB_ENDPOINT`,
 * reached through amazon-qldb-driver-nodejs) and the OLTP database, or not configured
 * yet (legacy only).
 */
export type TargetsConfig =
  | { kind: 'embedded' }
  | { kind: 'postgres'; ledgerUrl: string; oltpUrl: string }
  | { kind: 'qldb'; ledger: LedgerDriverConfig; oltpUrl: string }
  | { kind: 'none' };

/** One target reached as a GraphQL service of its own: its endpoint and how long a call may take. */
export interface TargetServiceConfig {
  /** The service's GraphQL endpoint, e.g. `http://ledger.internal:4010/graphql`. */
  url: string;
  /** How long one HTTP request to it may take before it counts as a target failure, in ms. */
  timeoutMs: number;
}

/**
 * The targets as remote GraphQL services (`LEDGER_SERVICE_URL`, `OLTP_SERVICE_URL`, both
 * or neither): the target side of every unit is read and written through them, over
 * HTTP, instead of through the target databases.
 */
export interface TargetServicesConfig {
  ledger: TargetServiceConfig;
  oltp: TargetServiceConfig;
}

/** Where stages come from: a local flags file read offline, or an Unleash server. */
export type FlagsConfig =
  | { kind: 'file'; path: string; pollMs: number }
  | { kind: 'unleash'; url: string; token: string; refreshMs: number };

/** Shadow reads: their store (`embedded` keeps it in the embedded database), limits and retention. */
export interface ShadowConfig {
  store: { kind: 'embedded' } | { kind: 'postgres'; url: string } | { kind: 'none' };
  /**
   * Keys the hash of user ids and redacted values (`FIGWAY_SHADOW_SALT`); null when
   * unset outside the embedded default, and then `figway serve` refuses to start.
   */
  salt: string | null;
  /**
   * Comparisons whose candidates have not answered when their response went out, at which
   * the sampler lowers the sample rates (`FIGWAY_SHADOW_MAX_IN_FLIGHT`); sixteen times as
   * many comparisons in progress and new samples are skipped.
   */
  maxInFlight: number;
  /** How long a comparison waits for its response to go out before it is judged anyway (`FIGWAY_SHADOW_MAX_WAIT_MS`). */
  maxWaitMs: number;
  retentionDays: number;
}

/**
 * How bearer tokens are verified (the embedded default signs and verifies with a
 * generated local secret), and what user tokens must say: `aud` is `audience`
 * (`SUPABASE_JWT_AUDIENCE`, default "authenticated") and `iss` is `issuer`
 * (`SUPABASE_JWT_ISSUER`, default the project's Supabase Auth,
 * `https://<project>.supabase.co/auth/v1`; null when no setting names the project).
 */
export type AuthConfig = (
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'secret'; secret: string }
  | { kind: 'jwks'; url: string }
) & { audience: string; issuer: string | null };

/**
 * Who may read /metrics: with a `token`, only callers sending it as a bearer token;
 * with `listen`, it is served there instead of on the gateway's port. Both null: open.
 */
export interface MetricsConfig {
  /** `FIGWAY_METRICS_TOKEN`. @default null */
  token: string | null;
  /** `FIGWAY_METRICS_HOST` (default `HOST`) and `FIGWAY_METRICS_PORT`. @default null */
  listen: { host: string; port: number } | null;
}

/**
 * Limits on one GraphQL operation, checked before it runs, over HTTP and graphql-ws
 * alike; an operation over any of them is refused with QUERY_TOO_COMPLEX.
 */
export interface QueryLimits {
  /** Deepest nesting of fields (`FIGWAY_MAX_QUERY_DEPTH`). */
  maxDepth: number;
  /** Aliased fields in the operation, fragments included (`FIGWAY_MAX_QUERY_ALIASES`). */
  maxAliases: number;
  /** Fields at the operation's root, each a separate backend call (`FIGWAY_MAX_QUERY_ROOT_FIELDS`). */
  maxRootFields: number;
  /** Directives in the operation (`FIGWAY_MAX_QUERY_DIRECTIVES`). */
  maxDirectives: number;
  /** Lexical tokens in the query text, counted while parsing (`FIGWAY_MAX_QUERY_TOKENS`). */
  maxTokens: number;
  /** Estimated cost: each field 1 plus what it selects, times the page size of lists (`FIGWAY_MAX_QUERY_COST`). */
  maxCost: number;
  /** The size a list without a `first` argument is assumed to have in the cost (`FIGWAY_QUERY_LIST_SIZE`). */
  assumedListSize: number;
}

/** The query limits when no setting changes them: every README query and test fits well within. */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = {
  maxDepth: 8,
  maxAliases: 15,
  maxRootFields: 10,
  maxDirectives: 50,
  maxTokens: 1000,
  maxCost: 10_000,
  assumedListSize: 10,
};

/** The mirror's settings. */
export interface SyncConfig {
  /**
   * Whether this gateway runs the background appliers (`FIGWAY_SYNC_APPLIER=on|off`, default on).
   * Off when `figway sync` workers do it; each write's own mirror still runs in the gateway.
   */
  applier: boolean;
  /** Failures of a change the other side refuses before it becomes a dead letter (`FIGWAY_SYNC_MAX_ATTEMPTS`). @default 5 */
  maxAttempts: number;
  /** How often the queues are looked at without a NOTIFY, in ms (`FIGWAY_SYNC_POLL_MS`). @default 1000 */
  pollMs: number;
  /**
   * How long an applier's claim on a batch holds, in ms (`FIGWAY_SYNC_LEASE_MS`): the changes
   * of a process that dies mid-batch are taken over after it. @default 30000
   */
  leaseMs: number;
}

/** figway's typed, validated configuration. */
export interface Config {
  /** True for the embedded default and when NODE_ENV=development: routes and error details are shown. */
  development: boolean;
  host: string;
  port: number;
  /** Folder for the embedded databases, the local JWT secret and the running gateway's lock file. */
  dataDir: string;
  legacy: LegacyConfig;
  targets: TargetsConfig;
  /** The targets' GraphQL services, when the target side is remote; null: in process. */
  targetServices: TargetServicesConfig | null;
  /**
   * The secret the gateways send their target services and the services require
   * (`FIGWAY_SERVICE_KEY`, at least 32 characters); null: not set.
   */
  serviceKey: string | null;
  flags: FlagsConfig;
  /**
   * The flag catalogue that replaces the shipped `flags/catalogue.json` (`FIGWAY_CATALOGUE_FILE`,
   * resolved against the working directory), read and checked at start; null: the shipped one.
   */
  catalogueFile: string | null;
  /** Where shadow observations are stored, and how shadow reads are bounded. */
  shadow: ShadowConfig;
  auth: AuthConfig;
  /** Whether the schema answers introspection (`FIGWAY_INTROSPECTION`); default: only in development. */
  introspection: boolean;
  /** Who may read /metrics. */
  metrics: MetricsConfig;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /**
   * Each request's time budget in milliseconds (`FIGWAY_REQUEST_TIMEOUT_MS`): past it no new
   * database work starts and statements still running are cancelled (REQUEST_TIMEOUT). @default 10000
   */
  requestTimeoutMs: number;
  /** Limits on each operation's depth, aliases, root fields, directives, tokens and cost. */
  queryLimits: QueryLimits;
  /** The mirror between legacy and the targets. */
  sync: SyncConfig;
  /**
   * The Redis that carries commitment changes between gateway instances and `figway sync`
   * workers (`REDIS_URL`, redis:// or rediss://); null: changes reach this process's
   * subscriptions only.
   */
  redisUrl: string | null;
  /**
   * Events queued for one subscription socket before the subscriber is cut off as too slow
   * (`FIGWAY_SUBSCRIPTION_QUEUE`). @default 1000
   */
  subscriptionQueueLimit: number;
  /**
   * Subscriptions open at once on one socket; one more is refused alone, with
   * BAD_REQUEST (`FIGWAY_SUBSCRIPTIONS_PER_SOCKET`). @default 100
   */
  subscriptionSocketLimit: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}
