import { type Agent, request } from 'node:http';

/** The status and body of one HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * POSTs the JSON `payload` to `url` over `agent` (a keep-alive client's own
 * connection), with `headers` besides the content type and length; rejects on a
 * socket error.
 */
export function postJson(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  payload: Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
