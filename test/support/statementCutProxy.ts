import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy to a PostgreSQL server that reads the client's protocol messages and can
 * cut a connection at the moment a chosen statement goes through.
 */
export interface StatementCutProxy {
  /** Rewrites a connection URL to go through the proxy. */
  via(url: string): string;
  /**
   * Cuts the connection of the next client message (a simple query or a Parse) whose
   * text matches `statement`. `after`: the message reaches the server, which runs it,
   * and the client hears nothing more (a COMMIT whose answer is lost); `before`: the
   * message never reaches the server. Resolves once the connection is cut.
   */
  cutAt(statement: RegExp, when: 'before' | 'after'): Promise<void>;
  close(): Promise<void>;
}

interface Armed {
  statement: RegExp;
  when: 'before' | 'after';
  cut: () => void;
}

// The statement text of a simple query ('Q': the text) or a Parse ('P': a name, then the text).
function statementOf(type: string, body: Buffer): string | null {
  if (type === 'Q') return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type !== 'P') return null;
  const textStart = body.indexOf(0) + 1;
  return body.toString('utf8', textStart, body.indexOf(0, textStart));
}

/** Starts a proxy to `127.0.0.1:targetPort` on a free loopback port. */
export async function startStatementCutProxy(targetPort: number): Promise<StatementCutProxy> {
  const sockets = new Set<Socket>();
  let armed: Armed | null = null;

  const relay = (client: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let startup = true; // the startup message has no type byte
    let cut = false;
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', () => {
      // After an `after` cut the server still reads what it was sent, then sees the end.
      if (cut) upstream.end();
      else drop();
    });
    upstream.on('error', drop).on('close', drop);
    upstream.on('data', (chunk) => {
      if (!cut) client.write(chunk);
    });
    client.on('data', (chunk) => {
      if (cut) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const header = startup ? 0 : 1;
        if (pending.length < header + 4) return;
        const size = header + pending.readInt32BE(header);
        if (pending.length < size) return;
        const message = pending.subarray(0, size);
        pending = pending.subarray(size);
        const text = startup ? null : statementOf(String.fromCharCode(message[0] ?? 0), message.subarray(5));
        startup = false;
        const hit = armed !== null && text !== null && armed.statement.test(text) ? armed : null;
        if (hit !== null) {
          armed = null;
          cut = true;
          if (hit.when === 'after') upstream.write(message);
          client.destroy();
          if (hit.when === 'before') upstream.destroy();
          hit.cut();
          return;
        }
        upstream.write(message);
      }
    });
  };

  const server = createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cutAt(statement, when) {
      return new Promise<void>((resolve) => {
        armed = { statement, when, cut: resolve };
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
  };
}
