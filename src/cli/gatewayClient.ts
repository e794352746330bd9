import { findDemoUser } from '../backends/supabase/seed/demoUsers.ts';
import { embeddedJwtSecret } from '../embedded/embeddedJwtSecret.ts';
import { findRunningGateway } from '../embedded/gatewayLock.ts';
import { signSupabaseToken } from '../server/signToken.ts';

/** How a CLI command reaches the embedded gateway that holds the database. */
export interface GatewayClient {
  /** The gateway's base URL, e.g. http://127.0.0.1:4000. */
  base: string;
  /** A short-lived service_role token for its admin routes. */
  token: string;
}

/**
 * The running embedded gateway on `dataDir`, with an admin token, or null when none
 * runs. PGlite serves one process, so data commands go through the gateway then.
 */
export async function runningGateway(dataDir: string): Promise<GatewayClient | null> {
  const running = await findRunningGateway(dataDir);
  const admin = findDemoUser('admin');
  if (running === null || running.url === '' || admin === undefined) return null;
  const token = await signSupabaseToken(admin, await embeddedJwtSecret(dataDir), { ttlSeconds: 600 });
  return { base: running.url.replace(/\/graphql$/, ''), token };
}

/** The running gateway refused an admin call: its HTTP status and the message it gave. */
export class GatewayRefusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'GatewayRefusal';
    this.status = status;
  }
}

/** Calls an admin route of the running gateway; throws a {@link GatewayRefusal} with its message when it refuses. */
export async function callGateway(
  client: GatewayClient,
  method: 'GET' | 'POST',
  path: string,
): Promise<Response> {
  const response = await fetch(`${client.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${client.token}` },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new GatewayRefusal(
      response.status,
      body.error?.message ?? `the gateway answered ${response.status}`,
    );
  }
  return response;
}

/** Reads a newline-delimited JSON stream, one parsed value per line. */
export async function* readJsonLines(response: Response): AsyncGenerator<unknown> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') yield JSON.parse(line);
      newline = buffer.indexOf('\n');
    }
  }
}
