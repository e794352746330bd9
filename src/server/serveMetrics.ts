import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

// Compared as digests of equal length, in constant time, so timing reveals nothing of the token.
function carriesToken(request: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * Answers a request for /metrics with Prometheus's text format; when `token` is set,
 * only to a caller that sends it as `Authorization: Bearer <token>` (401 otherwise).
 */
export async function serveMetrics(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
  token: string | null,
) {
  if (token !== null && !carriesToken(request, token)) {
    response.writeHead(401, {
      'content-type': 'text/plain; charset=utf-8',
      'www-authenticate': 'Bearer realm="figway metrics"',
    });
    response.end('Send the metrics token (FIGWAY_METRICS_TOKEN) as "Authorization: Bearer <token>".\n');
    return;
  }
  response.writeHead(200, { 'content-type': registry.contentType });
  response.end(await registry.metrics());
}

/** A listener of its own for /metrics. */
export interface MetricsListener {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves /metrics on a separate address (e.g. one only the monitoring network
 * reaches), everything else there answering 404; `port` 0 picks a free port.
 */
export async function startMetricsListener(
  listen: { host: string; port: number },
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  onError: (error: unknown) => void,
): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Only /metrics is served here.\n');
      return;
    }
    handle(request, response).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
