import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import { QldbError } from '../../backends/ledger/qldb/qldbCommands.ts';
import { createQldbSessions, type QldbSessions } from '../../backends/ledger/qldb/qldbSessions.ts';
import type { Logger } from '../../core/logger.ts';
import {
  type AwsErrorFields,
  authFailureError,
  awsJsonError,
  restJsonError,
  sendAwsError,
} from './awsErrors.ts';
import { handleQldbControlPlane } from './qldbControlPlane.ts';
import { verifySigV4 } from './verifySigV4.ts';

/** What a QLDB endpoint serves and whom it lets in. */
export interface QldbEndpointOptions {
  /** The ledger name clients use (QLDB's `LedgerName`). */
  ledgerName: string;
  ledger: Ledger;
  /** Access key id to secret: every request must be SigV4-signed with one of them. */
  keys: ReadonlyMap<string, string>;
  logger: Logger;
  /** A request body larger than this is refused, read no further. @default 1 MiB */
  maxBodyBytes?: number;
  /** Passed to the sessions (page size, timeouts) in tests. */
  sessions?: Partial<Omit<Parameters<typeof createQldbSessions>[0], 'ledger' | 'ledgerName'>>;
}

const SEND_COMMAND = 'QLDBSession.SendCommand';

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(new BodyTooLarge(`The request body is over ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, contentType: string, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** The request handler of a QLDB endpoint: QLDBSession's SendCommand and the control plane subset. */
export function createQldbHandler(options: QldbEndpointOptions): {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  sessions: QldbSessions;
} {
  const sessions = createQldbSessions({
    ...options.sessions,
    ledgerName: options.ledgerName,
    ledger: options.ledger,
    logger: options.logger,
  });
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const { logger } = options;

  async function sendCommand(body: Buffer, response: ServerResponse) {
    let command: unknown;
    try {
      command = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new QldbError('BadRequestException', `The request body is not JSON: ${(error as Error).message}`);
    }
    sendJson(response, 'application/x-amz-json-1.0', await sessions.sendCommand(command));
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const session = request.headers['x-amz-target'] === SEND_COMMAND;
    const protocol = session ? 'awsJson1_0' : 'restJson1';
    const refuse = (type: string, message: string, status?: number, fields?: AwsErrorFields) =>
      sendAwsError(
        response,
        session ? awsJsonError(type, message, status, fields) : restJsonError(type, message, status, fields),
      );
    try {
      const body = await readBody(request, limit);
      const verdict = verifySigV4(
        { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body },
        options.keys,
      );
      if (!verdict.ok) {
        logger.warn({ reason: verdict.reason, type: verdict.errorType }, 'QLDB endpoint refused a request');
        sendAwsError(response, authFailureError(verdict, protocol));
        return;
      }
      if (session) return await sendCommand(body, response);
      const answer = await handleQldbControlPlane(
        { method: request.method ?? 'GET', path: request.url ?? '/', body },
        { name: options.ledgerName, ledger: options.ledger },
      );
      if (answer === null)
        return refuse(
          'UnknownOperationException',
          'figway serves QLDBSession.SendCommand, GetDigest, GetRevision and GetBlock.',
          404,
        );
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        refuse('BadRequestException', error.message, 413);
        response.once('finish', () => request.destroy());
      } else if (error instanceof QldbError) {
        // QLDB's modeled `Code` (`Expired` on an expired transaction) travels with the error.
        refuse(error.type, error.message, undefined, error.code === undefined ? {} : { Code: error.code });
      } else {
        logger.error({ err: error }, 'QLDB endpoint failed a request');
        refuse('InternalFailure', 'The ledger could not serve the request; try again.', 500);
      }
    }
  }

  return { handle, sessions };
}

/** A running QLDB endpoint. */
export interface QldbServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves a QLDB endpoint on `port` (0 for any free one) of `host`. */
export async function startQldbServer(
  options: QldbEndpointOptions & { port: number; host?: string },
): Promise<QldbServer> {
  const { handle } = createQldbHandler(options);
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
