import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { QueryLimits } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import { SERVICE_KEY_HEADER } from '../core/serviceKeyHeader.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { isClientDisconnect } from '../server/clientDisconnect.ts';
import { createFormatError } from '../server/formatError.ts';
import { handleGraphqlHttp, sendRequestError } from '../server/handleGraphqlHttp.ts';
import { noIntrospectionRule } from '../server/noIntrospectionRule.ts';
import { queryCostPlugin } from '../server/queryCostPlugin.ts';
import { queryLimitRules } from '../server/queryLimitRules.ts';
import { serveHealth } from '../server/serveHealth.ts';
import { serveMetrics } from '../server/serveMetrics.ts';
import type { BearerVerifier } from '../server/verifyBearer.ts';
import { serviceCostEstimator } from './serviceCostEstimator.ts';
import { serviceKeyCheck } from './serviceKeyCheck.ts';
import { type ServiceMetrics, serviceMetricsPlugin } from './serviceMetrics.ts';
import { SERVICE_QUERY_LIMITS } from './serviceQueryLimits.ts';
import type { ServiceContext, TargetService } from './targetService.ts';

/** What a target service is started with; `figway service` builds it from configuration. */
export interface TargetServiceOptions<C extends ServiceContext> {
  service: TargetService<C>;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Error details (messages of unexpected errors, stack traces) reach callers; else they are masked. */
  development: boolean;
  maxBodyBytes: number;
  /** Each request's time budget for backend work, in milliseconds. @default 10000 */
  requestTimeoutMs?: number;
  /** @default SERVICE_QUERY_LIMITS */
  queryLimits?: QueryLimits;
  /** Whether `__schema` and `__type` are answered: the contract is public, so on unless turned off. @default true */
  introspection?: boolean;
  metrics: ServiceMetrics;
  /** Only callers sending it as a bearer token may read /metrics (FIGWAY_METRICS_TOKEN). @default null: open */
  metricsToken?: string | null;
  /**
   * The secret shared with the gateways (FIGWAY_SERVICE_KEY): when set, a GraphQL request
   * without it in the `figway-service-key` header is refused with 401 before anything is
   * read or written; /healthz and /metrics are not affected. @default null: anyone who
   * can reach the service may call it (a warning is logged at start)
   */
  serviceKey?: string | null;
  /** The gateway's verifier: the same tokens, the same viewers. */
  verifyBearer: BearerVerifier;
  logger: Logger;
}

/** A running target service. */
export interface RunningTargetService {
  /** `http://host:port/graphql`. */
  url: string;
  port: number;
  /** Stops accepting requests and lets in-flight ones finish. The stores stay open. */
  stop(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

// The body is never read: a refused caller touches nothing, not even the parser.
function refuseWithoutServiceKey(request: IncomingMessage, response: ServerResponse, kind: string) {
  request.resume();
  sendJson(response, 401, {
    errors: [
      {
        message:
          `figway service ${kind} answers only its gateways: send the shared FIGWAY_SERVICE_KEY ` +
          `in the ${SERVICE_KEY_HEADER} header.`,
        extensions: { code: ErrorCode.UNAUTHENTICATED, setting: 'FIGWAY_SERVICE_KEY' },
      },
    ],
  });
}

/**
 * Starts a target service on `node:http` with Apollo Server: GraphQL at /graphql, and
 * /healthz and /metrics as the gateway serves them. Rejects, with nothing left
 * listening, when the port cannot be listened on.
 */
export async function startTargetService<C extends ServiceContext>(
  options: TargetServiceOptions<C>,
): Promise<RunningTargetService> {
  const { service, logger } = options;
  const limits = options.queryLimits ?? SERVICE_QUERY_LIMITS;
  const serviceKey = options.serviceKey ?? null;
  const carriesServiceKey = serviceKey === null ? null : serviceKeyCheck(serviceKey);
  if (serviceKey === null) {
    logger.warn(
      { target: service.kind },
      'FIGWAY_SERVICE_KEY is not set: anyone who can reach this service can call it, and write at a ' +
        'stage of their own choosing; deploy it reachable only by the gateways, or set the same ' +
        'FIGWAY_SERVICE_KEY on the service and the gateways',
    );
  }
  const httpServer = createServer();
  const apollo = new ApolloServer<C>({
    schema: service.schema,
    // Refused by noIntrospectionRule instead, whose message names FIGWAY_INTROSPECTION.
    introspection: true,
    // `figway service` stops the service and then the stores on SIGTERM.
    stopOnTerminationSignals: false,
    csrfPrevention: {
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'],
    },
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      ...queryLimitRules(limits),
      ...((options.introspection ?? true) ? [] : [noIntrospectionRule]),
    ],
    hideSchemaDetailsFromClientErrors: !options.development,
    includeStacktraceInErrorResponses: options.development,
    // One formatter with the gateway: catalogue codes pass, anything else is masked outside development.
    formatError: createFormatError({ development: options.development, logger }),
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      // The contract's entry points take key lists: the cost counts one item per key.
      queryCostPlugin(limits, serviceCostEstimator(limits.assumedListSize)),
      serviceMetricsPlugin(service.kind, options.metrics),
      ApolloServerPluginDrainHttpServer({ httpServer }),
    ],
  });
  await apollo.start();
  const context = async (request: IncomingMessage) =>
    service.createContext(await options.verifyBearer(request.headers.authorization), request.headers);

  async function route(request: IncomingMessage, response: ServerResponse) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    switch (pathname) {
      case '/graphql':
        if (request.method !== 'GET' && request.method !== 'POST')
          return sendRequestError(
            response,
            new FigwayError(ErrorCode.BAD_REQUEST, 'Use GET or POST for /graphql.'),
          );
        if (carriesServiceKey !== null && !carriesServiceKey(request.headers)) {
          options.metrics.requests.inc({ service: service.kind, operation: 'none', outcome: 'error' });
          return refuseWithoutServiceKey(request, response, service.kind);
        }
        return handleGraphqlHttp(apollo, request, response, {
          maxBodyBytes: options.maxBodyBytes,
          requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
          context,
        });
      case '/healthz':
        return serveHealth(request, response, {
          backends: service.health,
          schemaVersion: service.version,
          verifyBearer: options.verifyBearer,
          logger,
        });
      case '/metrics':
        return serveMetrics(request, response, options.metrics.registry, options.metricsToken ?? null);
      default:
        return sendJson(response, 404, { error: `Nothing at ${pathname}. GraphQL is served at /graphql.` });
    }
  }

  httpServer.on('request', (request, response) => {
    route(request, response).catch((error: unknown) => {
      if (isClientDisconnect(error, request, response)) {
        logger.debug({ url: request.url }, 'client disconnected before its answer was sent');
        return;
      }
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error.' }] });
      else response.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await apollo.stop().catch((stopError: unknown) => {
      logger.error({ err: stopError }, 'closing the service after a failed start failed');
    });
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}/graphql`, port, stop: () => apollo.stop() };
}
