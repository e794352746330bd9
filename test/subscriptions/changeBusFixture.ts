import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { CommitmentChange } from '../../src/core/changeEvents.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/reports/gatewayMetrics.ts';
import { type ChangeBus, createChangeBus } from '../../src/subscriptions/changeBus.ts';

export function change(id: string): CommitmentChange {
  return {
    id: `target:${id}:1`,
    source: 'target',
    commitmentId: id,
    activities: [{ kind: 'CREATED' }],
    actorId: null,
    at: new Date().toISOString(),
  };
}

/** The commitment ids a bus's listener heard, in order, one entry per change. */
export function listen(bus: ChangeBus): string[] {
  const heard: string[] = [];
  bus.subscribe((changes) => heard.push(...changes.map((c) => c.commitmentId)));
  return heard;
}

export async function lostToRedis(metrics: GatewayMetrics): Promise<number> {
  const { values } = await metrics.subscriptionEventsLost.get();
  return values.find((value) => value.labels.reason === 'redis')?.value ?? 0;
}

export async function fanOutGauge(metrics: GatewayMetrics): Promise<number | undefined> {
  return (await metrics.subscriptionFanOut.get()).values[0]?.value;
}

export const silent = pino({ level: 'silent' });
export const opened: ChangeBus[] = [];

export async function openBus(redisUrl: string | null, channel: string, metrics = createGatewayMetrics()) {
  const bus = await createChangeBus({ redisUrl, channel, metrics, logger: silent });
  opened.push(bus);
  return { bus, metrics, heard: listen(bus) };
}

/** Closes, after each test of the calling file, every bus it put in `opened`. */
export function useChangeBus(): void {
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });
}
