import WebSocket from 'ws';

interface InspectorReply {
  id?: number;
  result?: { usedSize?: number };
  error?: { message?: string };
}

/**
 * The JavaScript heap in use, in bytes, of the Node process whose inspector listens
 * at `inspectorUrl` (started with --inspect), read right after a full garbage
 * collection: what it retains, not what it has allocated since the last collection.
 * Opens a session of its own and closes it; rejects after 10 s.
 */
export async function heapAfterCollection(inspectorUrl: string): Promise<number> {
  const socket = new WebSocket(inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    let nextId = 0;
    const call = (method: string) =>
      new Promise<InspectorReply>((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => reject(new Error(`${method}: no answer within 10 s`)), 10_000);
        const onMessage = (data: WebSocket.RawData) => {
          const reply = JSON.parse(data.toString()) as InspectorReply;
          if (reply.id !== id) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          if (reply.error !== undefined) reject(new Error(`${method}: ${reply.error.message}`));
          else resolve(reply);
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id, method }));
      });
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    const used = usage.result?.usedSize;
    if (typeof used !== 'number') throw new Error('Runtime.getHeapUsage answered no usedSize');
    return used;
  } finally {
    socket.close();
  }
}
