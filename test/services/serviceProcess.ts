import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { demoUser } from '../../harness/testGateway.ts';
import { signSupabaseToken } from '../../src/server/signToken.ts';
import type { TargetServiceKind } from '../../src/services/targetContract.ts';
import { FIGWAY_COMMAND } from '../support/figwayProcess.ts';

/** The `iss` the services of these tests expect, as a Supabase CLI project's tokens carry it. */
export const ISSUER = 'http://127.0.0.1:54321/auth/v1';

/** What the environment may hold that would pick another database or verifier than the test means. */
export const UNSET = {
  SUPABASE_DB_URL: '',
  SUPABASE_URL: '',
  SUPABASE_JWT_SECRET: '',
  SUPABASE_JWKS_URL: '',
  SUPABASE_JWT_ISSUER: '',
  LEDGER_DATABASE_URL: '',
  OLTP_DATABASE_URL: '',
  FIGWAY_METRICS_TOKEN: '',
  FIGWAY_INTROSPECTION: '',
  FIGWAY_SERVICE_KEY: '',
};

/** A `figway service <kind>` child process, once it said it listens. */
export interface ServiceProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/graphql`. */
  url: string;
  /** The fields of its "figway service is listening" log line. */
  listening: Record<string, unknown>;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `figway service <kind> --port <port>` (0: a free one) with `env`; rejects with its output if it exits first. */
export function startService(
  kind: TargetServiceKind,
  env: Record<string, string>,
  port = 0,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...FIGWAY_COMMAND, 'service', kind, '--port', String(port)], {
    env: { ...process.env, ...UNSET, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (started) return;
      const line = output.split('\n').find((text) => text.includes('"figway service is listening"'));
      if (line === undefined) return;
      started = true;
      const listening = JSON.parse(line) as Record<string, unknown>;
      resolve({
        child,
        url: String(listening.url),
        listening,
        output: () => output,
        stop(signal = 'SIGTERM') {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => {
      if (!started) reject(new Error(`figway service ${kind} exited with ${code}:\n${output}`));
    });
  });
}

/** A GraphQL answer as the services send it. */
export interface GraphqlAnswer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** Posts `query` to `url`, with `Authorization: Bearer <token>` when a token is given, and `headers`. */
export async function post(
  url: string,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphqlAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer['body'] };
}

/** The codes of an answer's errors, in order. */
export function errorCodes(answer: GraphqlAnswer): unknown[] {
  return (answer.body.errors ?? []).map((error) => error.extensions?.code);
}

/** A fresh JWT secret and the demo users' tokens signed with it, as the gateway of these tests would accept them. */
export async function serviceTokens() {
  const secret = randomBytes(32).toString('base64url');
  const sign = (name: string, ttlSeconds = 3600) =>
    signSupabaseToken(demoUser(name), secret, { issuer: ISSUER, ttlSeconds });
  return {
    secret,
    env: { SUPABASE_JWT_SECRET: secret, SUPABASE_JWT_ISSUER: ISSUER },
    alice: await sign('alice'),
    bob: await sign('bob'),
    carol: await sign('carol'),
    admin: await sign('admin'),
    /** A token of `name` that expired a minute ago. */
    expired: (name: string) =>
      signSupabaseToken(demoUser(name), secret, {
        issuer: ISSUER,
        ttlSeconds: 60,
        now: new Date(Date.now() - 120_000),
      }),
  };
}
