import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoUser } from '../../src/backends/supabase/seed/demoUsers.ts';
import {
  SHADOW_PAGE_ASSETS_PATH,
  SHADOW_PAGE_ENTRY,
  SHADOW_PAGE_STYLESHEET,
} from '../../src/reports/shadowPageAssets.ts';
import { createShadowPageRoutes } from '../../src/server/shadowPageRoutes.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';

async function tokenOf(username: string, secret = SECRET) {
  const user = findDemoUser(username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return signSupabaseToken(user, secret);
}

async function serve(development: boolean) {
  const routes = createShadowPageRoutes({
    development,
    verifyBearer: createBearerVerifier({ kind: 'secret', secret: SECRET }),
  });
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    routes(request, response, pathname)
      .then((handled) => {
        if (!handled) response.writeHead(404, { 'x-next-route': 'yes' }).end();
      })
      .catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('createShadowPageRoutes outside development', () => {
  let server: Server;
  let origin: string;
  let serviceToken: string;

  beforeAll(async () => {
    ({ server, origin } = await serve(false));
    serviceToken = await tokenOf('admin');
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers 401 HTML without a token', async () => {
    const response = await fetch(`${origin}/admin/shadow`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    await expect(response.text()).resolves.toContain('service_role token');
  });

  it('answers 401 to a token signed with another secret', async () => {
    const forged = await tokenOf('admin', 'another-secret-that-is-at-least-32-characters');
    const response = await fetch(`${origin}/admin/shadow?token=${forged}`);
    expect(response.status).toBe(401);
    await expect(response.text()).resolves.toContain('signature does not match');
  });

  it("answers 403 to a user's token", async () => {
    const response = await fetch(`${origin}/admin/shadow`, {
      headers: { authorization: `Bearer ${await tokenOf('alice')}` },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('serves the page to a service token in the Authorization header', async () => {
    const response = await fetch(`${origin}/admin/shadow`, {
      headers: { authorization: `Bearer ${serviceToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await expect(response.text()).resolves.toContain('data-testid="shadow-report-table"');
  });

  it("serves the page's modules and stylesheet without a token: they hold code, never data", async () => {
    const script = await fetch(`${origin}${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_ENTRY}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    await expect(script.text()).resolves.toMatch(/^import .* from '\.\/[A-Za-z]+\.js';$/m);
    const style = await fetch(`${origin}${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_STYLESHEET}`);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 to an asset it does not have, 405 to a POST, and serves no source file', async () => {
    for (const name of ['nothing.js', 'main.ts', 'tsconfig.json', '..%2Fshadow', '%2E%2E/shadowPage.ts']) {
      const response = await fetch(`${origin}${SHADOW_PAGE_ASSETS_PATH}${name}`);
      expect(response.status, name).toBe(404);
    }
    const post = await fetch(`${origin}${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_ENTRY}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves the page to a service token given as ?token=, uncached and without referrer', async () => {
    const response = await fetch(`${origin}/admin/shadow?token=${serviceToken}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('createShadowPageRoutes content security policy', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    ({ server, origin } = await serve(true));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the page without a token in development', async () => {
    const response = await fetch(`${origin}/admin/shadow`);
    expect(response.status).toBe(200);
  });

  it('allows only the module script and stylesheet that carry the nonce of this response', async () => {
    const response = await fetch(`${origin}/admin/shadow`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(policy).toContain(`style-src 'nonce-${nonce}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("img-src 'self' data:");
    // Only the nonce: the module's own imports inherit it, so no 'self' and nothing unsafe.
    expect(policy.split('; ')).toContain(`script-src 'nonce-${nonce}'`);
    expect(policy.split('; ')).toContain(`style-src 'nonce-${nonce}'`);
    const html = await response.text();
    expect(html).toContain(
      `<script type="module" nonce="${nonce}" src="${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_ENTRY}"></script>`,
    );
    expect(html).toContain(
      `<link rel="stylesheet" nonce="${nonce}" href="${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_STYLESHEET}">`,
    );
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|<style/);
  });

  it('makes a new nonce for every response', async () => {
    const policies = await Promise.all(
      [1, 2].map(async () => (await fetch(`${origin}/admin/shadow`)).headers.get('content-security-policy')),
    );
    expect(policies[0]).not.toBe(policies[1]);
  });

  it('answers 405 to a POST and leaves other paths to the next route', async () => {
    const post = await fetch(`${origin}/admin/shadow`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const other = await fetch(`${origin}/admin/shadow/else`);
    expect(other.status).toBe(404);
    expect(other.headers.get('x-next-route')).toBe('yes');
  });
});
