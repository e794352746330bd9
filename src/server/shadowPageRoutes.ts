import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FigwayError } from '../errors.ts';
import { renderShadowPage } from '../reports/shadowPage.ts';
import {
  loadShadowPageAssets,
  SHADOW_PAGE_ASSETS_PATH,
  type ShadowPageAsset,
} from '../reports/shadowPageAssets.ts';
import type { AdminRoutes } from './adminRoutes.ts';
import type { BearerVerifier } from './verifyBearer.ts';

/** Options for {@link createShadowPageRoutes}. */
export interface ShadowPageRoutesOptions {
  /** In development the page is served to anyone (the API decides about its own data). */
  development: boolean;
  /** Checks the bearer token; a verifier that throws FigwayError UNAUTHENTICATED means 401. */
  verifyBearer: BearerVerifier;
  /** The page's title. @default 'figway shadow diffs' */
  title?: string;
}

/** The path the page is served at. */
export const SHADOW_PAGE_PATH = '/admin/shadow';

type Access = { kind: 'allowed' } | { kind: 'unauthenticated'; reason: string } | { kind: 'forbidden' };

async function checkAccess(options: ShadowPageRoutesOptions, request: IncomingMessage, url: URL) {
  if (options.development) return { kind: 'allowed' } satisfies Access;
  const token = url.searchParams.get('token');
  const authorization =
    request.headers.authorization ?? (token === null || token === '' ? undefined : `Bearer ${token}`);
  try {
    const viewer = await options.verifyBearer(authorization);
    switch (viewer.kind) {
      case 'service':
        return { kind: 'allowed' } satisfies Access;
      case 'user':
        return { kind: 'forbidden' } satisfies Access;
      case 'anonymous':
        return {
          kind: 'unauthenticated',
          reason: 'This page needs a service_role token, as an Authorization header or ?token=.',
        } satisfies Access;
    }
  } catch (error) {
    // Anything but a verdict on the token is no 401: the gateway logs and answers it, a
    // JWKS outage (SigningKeysUnavailableError) as 503 BACKEND_UNAVAILABLE, a bug as 500.
    if (!(error instanceof FigwayError) || error.code !== 'UNAUTHENTICATED') throw error;
    return { kind: 'unauthenticated', reason: error.message } satisfies Access;
  }
}

// The token may arrive in the URL: keep it out of caches and out of Referer headers.
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function contentSecurityPolicy(nonce: string | null): string {
  const inline = nonce === null ? "'none'" : `'nonce-${nonce}'`;
  return [
    `default-src 'none'`,
    `script-src ${inline}`,
    `style-src ${inline}`,
    `connect-src 'self'`,
    `img-src 'self' data:`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

function sendHtml(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string>,
) {
  response.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...headers,
  });
  response.end(request.method === 'HEAD' ? undefined : html);
}

function refusalPage(status: number, heading: string, reason: string): string {
  const text = (value: string) =>
    value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} ${text(heading)}</title></head>
<body><h1>${status} ${text(heading)}</h1><p>${text(reason)}</p></body></html>
`;
}

function sendRefusal(
  request: IncomingMessage,
  response: ServerResponse,
  access: Exclude<Access, { kind: 'allowed' }>,
) {
  const csp = { 'content-security-policy': contentSecurityPolicy(null) };
  switch (access.kind) {
    case 'unauthenticated':
      return sendHtml(request, response, 401, refusalPage(401, 'Unauthorized', access.reason), {
        ...csp,
        'www-authenticate': 'Bearer',
      });
    case 'forbidden':
      return sendHtml(
        request,
        response,
        403,
        refusalPage(403, 'Forbidden', 'The shadow-diff page is for service_role tokens only.'),
        csp,
      );
  }
}

function sendMethodNotAllowed(request: IncomingMessage, response: ServerResponse) {
  sendHtml(request, response, 405, refusalPage(405, 'Method Not Allowed', 'Use GET.'), {
    allow: 'GET, HEAD',
    'content-security-policy': contentSecurityPolicy(null),
  });
}

type AssetLoader = () => Promise<ReadonlyMap<string, ShadowPageAsset>>;

// Read and stripped once, on the first request that needs them; a failed load is retried.
function cachedAssets(): AssetLoader {
  let loading: Promise<ReadonlyMap<string, ShadowPageAsset>> | null = null;
  return () => {
    loading ??= loadShadowPageAssets().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}

// The page's modules and stylesheet are served to anyone: they are the same code as in the
// repository and hold no data, and a browser cannot send the page's ?token= with them.
async function serveAsset(
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  assets: AssetLoader,
) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendMethodNotAllowed(request, response);
  const asset = (await assets()).get(name);
  if (asset === undefined) {
    const body = `No shadow page asset ${SHADOW_PAGE_ASSETS_PATH}${name}.\n`;
    response.writeHead(404, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    return response.end(request.method === 'HEAD' ? undefined : body);
  }
  response.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': asset.contentType,
    'content-length': Buffer.byteLength(asset.body),
  });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
}

/**
 * The routes of the shadow-diff page. GET (or HEAD) `/admin/shadow` answers the HTML page of
 * `renderShadowPage` under a strict Content-Security-Policy whose nonce is new for every
 * response. Outside development it needs a service_role token as an Authorization header or
 * as `?token=`: none or an invalid one is 401, a user's token 403, both as small HTML pages.
 * GET `/admin/shadow/assets/<name>` answers the page's browser modules and stylesheet (see
 * `loadShadowPageAssets`) to anyone, 404 for any other name. Other methods are 405. Other
 * paths return false for the next route.
 */
export function createShadowPageRoutes(options: ShadowPageRoutesOptions): AdminRoutes {
  const assets = cachedAssets();
  return async (request, response, pathname) => {
    if (pathname.startsWith(SHADOW_PAGE_ASSETS_PATH)) {
      await serveAsset(request, response, pathname.slice(SHADOW_PAGE_ASSETS_PATH.length), assets);
      return true;
    }
    if (pathname !== SHADOW_PAGE_PATH) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendMethodNotAllowed(request, response);
      return true;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const access: Access = await checkAccess(options, request, url);
    if (access.kind !== 'allowed') {
      sendRefusal(request, response, access);
      return true;
    }
    const nonce = randomBytes(18).toString('base64');
    const html = renderShadowPage({
      nonce,
      ...(options.title === undefined ? {} : { title: options.title }),
    });
    sendHtml(request, response, 200, html, { 'content-security-policy': contentSecurityPolicy(nonce) });
    return true;
  };
}
