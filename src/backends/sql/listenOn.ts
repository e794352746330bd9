import pg from 'pg';
import type { BackendEvents } from '../../core/database.ts';

const LISTEN_RETRY_MS = [250, 1_000, 5_000];

/**
 * Listens on `channel` on a dedicated connection outside the pool (a pooled one would
 * be handed to others); (a pooled one would be handed to others);
 * when it breaks, the failure is reported and a new one listens, after a short pause.
 */
export async function listenOn(
  connectionString: string,
  channel: string,
  onNotify: () => void,
  events: BackendEvents,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    next.on('error', (error) => {
      events.backendFailed(error, 'idle');
      void next.end().catch((ended: unknown) => events.backendFailed(ended, 'idle'));
      if (client === next) client = null;
      schedule();
    });
    await next.connect();
    try {
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      // Without this, each retry after a refused LISTEN would leave one more connection open.
      await next.end().catch((ended: unknown) => events.backendFailed(ended, 'idle'));
      throw error;
    }
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
    failures = 0;
    // Anything sent while no connection listened is caught up by the listener's next pass.
    onNotify();
  };
  const schedule = () => {
    if (stopped || retry !== undefined) return;
    const delay = LISTEN_RETRY_MS[Math.min(failures, LISTEN_RETRY_MS.length - 1)] ?? 5_000;
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: unknown) => {
        events.backendFailed(error, 'connect');
        schedule();
      });
    }, delay);
    retry.unref();
  };
  try {
    await connect();
  } catch (error) {
    events.backendFailed(error, 'connect');
    schedule();
  }
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const open = client;
    client = null;
    await open?.end();
  };
}
