import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { SERVICE_KEY_HEADER } from '../../core/serviceKeyHeader.ts';
import type { WriteIntent } from '../../core/writeIntent.ts';
import { formatWriteIntentHeader, WRITE_INTENT_HEADER } from '../../core/writeIntentHeader.ts';
import { currentRequestBudget } from '../requestBudget.ts';

/** The two target services the gateway can reach over HTTP. */
export type TargetServiceName = 'ledger' | 'oltp';

/** Where one target service answers, and how long a call to it may take. */
export interface TargetServiceEndpoint {
  /** Its GraphQL endpoint, `http(s)://host:port/graphql`. */
  url: string;
  /** Longest time one HTTP request may take, in ms; the request's own budget may cut it shorter. */
  timeoutMs: number;
  /**
   * The secret the service requires of its gateways (FIGWAY_SERVICE_KEY), sent on every
   * request, pings included, as `figway-service-key`. @default none sent
   */
  serviceKey?: string | null;
}

/**
 * What one call carries to a service: the caller's `Authorization` header as
 * it came (or none for an anonymous caller), and for a write the gateway's write intent.
 * Reads sharing one such object are batched into one HTTP request per service.
 */
export interface RemoteCallContext {
  authorization: string | null;
  writeIntent: WriteIntent | null;
}

/** A GraphQL executor over HTTP for one target service. */
export type TargetServiceExecutor = ReturnType<typeof buildHTTPExecutor>;

function isCallContext(value: unknown): value is RemoteCallContext {
  return typeof value === 'object' && value !== null && 'authorization' in value && 'writeIntent' in value;
}

/**
 * Builds the HTTP executor of one target service: POST to its endpoint with the call's
 * headers and the service key, cut at the service's timeout or at the request's time budget, whichever
 * comes first. Identical concurrent requests are never merged into one
 * (`deduplicateInflightRequests: false`): the executor would merge only requests with
 * the same body and headers (so the same token), and a merged request would run under
 * the first caller's timeout and budget; with it off each call runs under its own.
 */
export function createTargetServiceExecutor(
  endpoint: TargetServiceEndpoint,
  options: { fetch?: typeof fetch } = {},
): TargetServiceExecutor {
  const serviceKey = endpoint.serviceKey ?? null;
  return buildHTTPExecutor({
    endpoint: endpoint.url,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    deduplicateInflightRequests: false,
    timeout: () => {
      const budget = currentRequestBudget();
      const left = budget === undefined ? endpoint.timeoutMs : Math.ceil(budget.remainingMs());
      return Math.max(1, Math.min(endpoint.timeoutMs, left));
    },
    headers: (request) => {
      const key: Record<string, string> = serviceKey === null ? {} : { [SERVICE_KEY_HEADER]: serviceKey };
      const context = request?.context;
      if (!isCallContext(context)) return key;
      return {
        ...key,
        ...(context.authorization === null ? {} : { authorization: context.authorization }),
        ...(context.writeIntent === null
          ? {}
          : { [WRITE_INTENT_HEADER]: formatWriteIntentHeader(context.writeIntent) }),
      };
    },
  });
}
