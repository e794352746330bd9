import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { useServer } from 'graphql-ws/use/ws';
import type { Viewer } from '../backends/viewer.ts';
import { DEFAULT_QUERY_LIMITS, type MetricsConfig, type QueryLimits } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import type { Routing } from '../routing/createRouting.ts';
import { FORCE_STAGE_HEADER, forcedStages } from '../routing/forcedStages.ts';
import { oneStageForEveryone } from '../routing/stageForEveryone.ts';
import type { RequestFacts, ShadowRunner } from '../shadow/shadowRunner.ts';
import type { SubscriptionHub } from '../subscriptions/subscriptionHub.ts';
import type { AdminRoutes } from './adminRoutes.ts';
import { answerFailedRequest, sendJson } from './answerFailedRequest.ts';
import type { HealthTarget } from './checkHealth.ts';
import { executeWithinBudget } from './executeWithinBudget.ts';
import { figwayExtensionsPlugin } from './figwayExtensionsPlugin.ts';
import { createFormatError } from './formatError.ts';
import { createWsFormatters } from './formatWsResult.ts';
import type { AppContext, GatewayApp } from './gatewayApp.ts';
import { checkConnection, createGraphqlWebSocketServer, logSocketErrors } from './graphqlWebSocket.ts';
import { handleGraphqlHttp, sendRequestError } from './handleGraphqlHttp.ts';
import { noIntrospectionRule, refuseWsIntrospection } from './noIntrospectionRule.ts';
import { paramText, requestFacts } from './operationFacts.ts';
import { prepareWsOperation } from './prepareWsOperation.ts';
import { queryCostPlugin } from './queryCostPlugin.ts';
import { queryLimitRules } from './queryLimitRules.ts';
import { refuseHttpSubscriptions } from './refuseHttpSubscriptions.ts';
import { serveHealth } from './serveHealth.ts';
import { type MetricsListener, serveMetrics, startMetricsListener } from './serveMetrics.ts';
import { completeSubscriptions, subscriptionOperations } from './serveSubscriptions.ts';
import type { BearerVerifier } from './verifyBearer.ts';

/** What a gateway is started with; the `serve` command builds it from configuration. */
export interface GatewayOptions<C extends AppContext = AppContext> {
  /** The app to serve: its schema and a context per operation (`createConnectApp` for Connect). */
  app: GatewayApp<C>;
  host: string;
  /** 0 picks a free port. */
  port: number;
  development: boolean;
  /** The largest HTTP request body and graphql-ws message, in bytes (FIGWAY_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /**
   * Each request's time budget for backend work, in milliseconds (an HTTP request, or a
   * query or mutation over graphql-ws): past it no new database work starts and
   * statements still running are cancelled, answering REQUEST_TIMEOUT. @default 10000
   */
  requestTimeoutMs?: number;
  /** Limits every operation must keep, over HTTP and graphql-ws; default {@link DEFAULT_QUERY_LIMITS}. */
  queryLimits?: QueryLimits;
  routing: Routing;
  /** Runs shadow reads in shadow and live stages; without it they are not compared. */
  shadow?: ShadowRunner;
  metrics: GatewayMetrics;
  /** The backends /healthz reports, by name (legacy among them). */
  health: Record<string, HealthTarget>;
  verifyBearer: BearerVerifier;
  /** Serves subscription operations from the change feed; without it they are refused. */
  subscriptions?: SubscriptionHub;
  /** Routes under /admin/ (backfill, verification) for figway's own CLI. */
  admin?: AdminRoutes;
  /** Whether `__schema` and `__type` are answered, over HTTP and graphql-ws. @default development */
  introspection?: boolean;
  /** Who may read /metrics, and where. @default open, on the gateway's port */
  metricsAccess?: MetricsConfig;
  logger: Logger;
}

/** A running gateway. */
export interface Gateway {
  url: string;
  port: number;
  schemaVersion: string;
  /** Where /metrics is served: on the gateway's port, or its own listen address. */
  metricsUrl: string;
  /** Stops accepting requests, lets in-flight ones finish, closes WebSockets. Backends stay open. */
  stop(): Promise<void>;
}

/**
 * Starts Apollo Server and graphql-ws on one `node:http` server, with /healthz and /metrics.
 * When the gateway's port or a separate /metrics port cannot be listened on, rejects with
 * that error after closing what it had opened.
 */
export async function startGateway<C extends AppContext>(options: GatewayOptions<C>): Promise<Gateway> {
  const { schema, version } = options.app;
  const contextFor = (
    viewer: Viewer,
    forcedHeader: string | undefined,
    facts?: Omit<RequestFacts, 'viewer'>,
  ) => {
    const forced = forcedStages(viewer, forcedHeader, options.routing.catalogue);
    if (forced.ignored) {
      options.logger.warn(
        { viewer: viewer.kind },
        `${FORCE_STAGE_HEADER} ignored: only admins may force stages`,
      );
    }
    for (const { unit, stage } of forced.ignoredMutations ?? []) {
      options.logger.warn(
        { viewer: viewer.kind, unit, stage },
        `${FORCE_STAGE_HEADER} ignored for ${unit}: ${oneStageForEveryone(unit, stage)}`,
      );
    }
    const router = options.routing.routerFor(viewer, forced.stages);
    const shadow = facts === undefined ? undefined : options.shadow?.forRequest({ viewer, ...facts });
    return options.app.createContext(viewer, router, shadow);
  };
  const metricsAccess = options.metricsAccess ?? { token: null, listen: null };
  const httpServer = createServer();
  const wsServer = createGraphqlWebSocketServer(httpServer, options.maxBodyBytes);
  const viewers = new WeakMap<object, Viewer>();
  const queryLimits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const prepareOperation = prepareWsOperation({
    schema,
    limits: queryLimits,
    development: options.development,
  });
  const introspectionRules = (options.introspection ?? options.development) ? [] : [noIntrospectionRule];
  // One formatter for what leaves the process, over HTTP (Apollo) and graphql-ws alike.
  const formatError = createFormatError({ development: options.development, logger: options.logger });
  const wsFormat = createWsFormatters(formatError, options.logger);
  const subscriptions = subscriptionOperations({
    hub: options.subscriptions,
    app: options.app,
    routing: options.routing,
    timeoutMs: options.requestTimeoutMs ?? 10_000,
    logger: options.logger,
  });
  const wsCleanup = useServer(
    {
      schema,
      subscribe: (args) => subscriptions.subscribe(args),
      // Outside development, graphql-ws puts no error message in a close reason.
      isProd: !options.development,
      // Parses, validates and costs each operation with the same limits as HTTP.
      // Each query or mutation over the socket has its own time budget, as an HTTP request has.
      execute: (args) => executeWithinBudget(args, options.requestTimeoutMs ?? 10_000),
      onSubscribe:
        introspectionRules.length > 0 ? refuseWsIntrospection(prepareOperation, schema) : prepareOperation,
      onConnect: checkConnection({
        verifyBearer: options.verifyBearer,
        logger: options.logger,
        remember: (extra, viewer) => viewers.set(extra, viewer),
        onTokenExpired: () => options.metrics.subscriptionSocketsClosed.inc({ reason: 'token_expired' }),
      }),
      context: (ctx, _id, payload) => {
        // A viewer of its own per operation, as per HTTP request: per-request state is keyed by it.
        const viewer: Viewer = { ...(viewers.get(ctx.extra) ?? { kind: 'anonymous' }) };
        const facts = {
          operationName: payload.operationName ?? null,
          query: payload.query,
          variables: payload.variables ?? null,
          clientName: paramText(ctx.connectionParams, 'apollographql-client-name'),
          clientVersion: paramText(ctx.connectionParams, 'apollographql-client-version'),
        };
        const context = contextFor(viewer, undefined, facts);
        return subscriptions.remember(context, { socket: ctx.extra.socket, facts: { viewer, ...facts } });
      },
      // A result sent over the socket is the response: its shadow comparisons may start.
      onNext: (_ctx, _id, _payload, args, result) => {
        (args.contextValue as Partial<AppContext> | undefined)?.shadow?.responseSent();
        return wsFormat.onNext(result);
      },
      onError: (_ctx, _id, _payload, errors) => wsFormat.onError(errors),
    },
    wsServer,
  );
  logSocketErrors(wsServer, options.logger);
  // Closing the sockets twice (after subscriptions complete, then in Apollo's drain) closes them once.
  let socketsClosed: Promise<void> | null = null;
  const closeSockets = () => {
    socketsClosed ??= Promise.resolve(wsCleanup.dispose());
    return socketsClosed;
  };
  const apollo = new ApolloServer<C>({
    schema,
    // Refused by noIntrospectionRule instead, whose message names FIGWAY_INTROSPECTION.
    introspection: true,
    // figway's own SIGTERM handler stops the gateway and then everything else; Apollo's
    // would re-raise the signal once Apollo alone had stopped, killing the process
    // before the mirror, the subscriptions and the observation writer had closed.
    stopOnTerminationSignals: false,
    // A GET with Authorization is preflighted, so as CSRF-safe as a JSON POST (urql sends such GETs).
    csrfPrevention: {
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'],
    },
    // The query limits, refused before execution: tokens while parsing, shape while
    // validating, cost once the variables are known (queryCostPlugin).
    parseOptions: { maxTokens: queryLimits.maxTokens },
    validationRules: [...queryLimitRules(queryLimits), ...introspectionRules],
    hideSchemaDetailsFromClientErrors: !options.development,
    includeStacktraceInErrorResponses: options.development,
    formatError,
    plugins: [
      // No cache hints (every answer depends on its caller), so no field wrapped to collect them.
      ApolloServerPluginCacheControlDisabled(),
      // Subscriptions are served over graphql-ws only, refused here before anything runs.
      refuseHttpSubscriptions(),
      queryCostPlugin(queryLimits),
      figwayExtensionsPlugin(version, options.development),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: closeSockets }) },
    ],
  });
  await apollo.start();
  const context = async (request: IncomingMessage, body: unknown) => {
    const header = request.headers[FORCE_STAGE_HEADER];
    const viewer = await options.verifyBearer(request.headers.authorization);
    return contextFor(viewer, Array.isArray(header) ? header.join(',') : header, requestFacts(request, body));
  };

  httpServer.on('request', (request, response) => {
    route(request, response).catch((error: unknown) =>
      answerFailedRequest(error, request, response, options.logger),
    );
  });

  async function route(request: IncomingMessage, response: ServerResponse) {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/graphql') {
      if (request.method !== 'GET' && request.method !== 'POST') {
        return sendRequestError(
          response,
          new FigwayError(ErrorCode.BAD_REQUEST, 'Use GET or POST for /graphql.'),
        );
      }
      return handleGraphqlHttp(apollo, request, response, {
        maxBodyBytes: options.maxBodyBytes,
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        context,
      });
    }
    if (pathname === '/healthz') {
      return serveHealth(request, response, { ...options, backends: options.health, schemaVersion: version });
    }
    if (pathname === '/metrics' && metricsAccess.listen === null) {
      return serveMetrics(request, response, options.metrics.registry, metricsAccess.token);
    }
    if (options.admin !== undefined && (await options.admin(request, response, pathname))) return;
    return sendJson(response, 404, { error: `Nothing at ${pathname}. GraphQL is served at /graphql.` });
  }

  let metricsListener: MetricsListener | null;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => resolve());
    });
    metricsListener =
      metricsAccess.listen === null
        ? null
        : await startMetricsListener(
            metricsAccess.listen,
            (request, response) =>
              serveMetrics(request, response, options.metrics.registry, metricsAccess.token),
            (error) => options.logger.error({ err: error }, '/metrics failed'),
          );
  } catch (error) {
    // A /metrics port that is taken must not leave the GraphQL port listening: the
    // process could then never exit, and the caller has no Gateway to stop.
    await apollo.stop().catch((stopError: unknown) => {
      options.logger.error({ err: stopError }, 'closing the gateway after a failed start failed');
    });
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/graphql`,
    port,
    schemaVersion: version,
    metricsUrl: metricsListener?.url ?? `http://${options.host}:${port}/metrics`,
    async stop() {
      // Subscriptions complete while their sockets are open: Apollo's drain destroys them.
      await completeSubscriptions(options.subscriptions, closeSockets);
      await apollo.stop();
      await metricsListener?.close();
    },
  };
}
