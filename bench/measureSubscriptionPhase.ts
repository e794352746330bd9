import { type LoadResult, loadResult } from './driveLoad.ts';
import type { SubscriberAnswer, SubscriberDriver } from './driveSubscribers.ts';
import { type LagSummary, lagSummary } from './mirrorMetrics.ts';
import { type PacedStream, paceChanges } from './paceChanges.ts';
import { processCpuMs, sumOverProcesses } from './processUsage.ts';
import type { DeliveryCounters, RunningSystem } from './subscriptionSystem.ts';

/** A paced stream of changes: its rate and length. */
export interface StreamSize {
  perSecond: number;
  durationMs: number;
}

/** The same stream with nobody subscribed: what the change path costs the instances by itself. */
export interface StreamControl {
  changes: number;
  /** CPU ms of both instances per change; null off Linux. */
  cpuMsPerChange: number | null;
}

/** One stream of changes with every subscriber listening, and what reached them. */
export interface SubscriptionPhase {
  phase: 'steady' | 'burst';
  stream: Omit<PacedStream, 'committed'> & { targetPerSecond: number };
  /** Deliveries due: for each committed change, the subscriptions of its commitment. */
  expected: number;
  /** Subscriber-side latency, receipt minus commit, of every matched delivery (`requests` counts them). */
  latency: LoadResult;
  /** Deliveries due that did not arrive by the deadline. */
  missing: number;
  /** Deliveries beyond those due. */
  extra: number;
  /** From the stream's last answer until the last due delivery arrived (or the deadline). */
  drainMs: number;
  /** CPU ms of both instances from the stream's start to the end of its drain; null off Linux. */
  cpuMs: number | null;
  /** `cpuMs` per 1,000 matched deliveries. */
  cpuMsPer1000: number | null;
  /** The same stream with no subscriber, run after this one; null until it has run. */
  control: StreamControl | null;
  /** `cpuMs` less the control's CPU per change times this stream's changes, per 1,000 matched deliveries. */
  netCpuMsPer1000: number | null;
  /** The instances' own account of the phase (figway, its histograms interpolated within buckets), or null. */
  gateway: {
    sent: number;
    lost: Record<string, number>;
    /** Commit to send, as the gateways saw it. */
    sendLatency: LagSummary | null;
    /** Legacy to ledger, over the phase and its drain: A's applier tells a change when it claims it. */
    mirrorLag: LagSummary | null;
  } | null;
}

/** What a phase is measured with: the running system, the subscriber workers, and each commitment's subscriptions. */
export interface PhaseContext {
  system: RunningSystem;
  workers: readonly SubscriberDriver[];
  subscribersOf: Map<string, number>;
  maxInFlight: number;
  drainDeadlineMs: number;
}

type Buckets = ReadonlyArray<{ le: number; count: number }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU ms both instances of `system` have used so far; null off Linux. */
export const instancesCpuMs = (system: RunningSystem) =>
  sumOverProcesses(
    system.processes.map((one) => one.pid),
    processCpuMs,
  );

function counterDelta(
  before: DeliveryCounters | null,
  after: DeliveryCounters | null,
): SubscriptionPhase['gateway'] {
  if (before === null || after === null) return null;
  const lost: Record<string, number> = {};
  for (const [reason, count] of Object.entries(after.lost)) {
    const moved = count - (before.lost[reason] ?? 0);
    if (moved !== 0) lost[reason] = moved;
  }
  const span = (from: Buckets, to: Buckets) =>
    lagSummary(
      to.map(({ le, count }) => ({ le, count: count - (from.find((one) => one.le === le)?.count ?? 0) })),
    );
  return {
    sent: after.sent - before.sent,
    lost,
    sendLatency: span(before.sendLatency, after.sendLatency),
    mirrorLag: span(before.mirrorLag, after.mirrorLag),
  };
}

/** Streams `size` through `system` with no subscriber and measures the instances' CPU per change. */
export async function measureStreamControl(
  system: RunningSystem,
  size: StreamSize,
  maxInFlight: number,
): Promise<StreamControl> {
  const before = instancesCpuMs(system);
  const paced = await paceChanges({
    ...size,
    targets: system.targets.length,
    maxInFlight,
    change: (index) => system.change(index),
  });
  const after = instancesCpuMs(system);
  return {
    changes: paced.changes,
    cpuMsPerChange: before === null || after === null ? null : (after - before) / paced.changes,
  };
}

/** `phase` with its net CPU worked out from `control`. */
export function withControl(phase: SubscriptionPhase, control: StreamControl): SubscriptionPhase {
  const net =
    phase.cpuMs === null || control.cpuMsPerChange === null
      ? null
      : ((phase.cpuMs - control.cpuMsPerChange * phase.stream.changes) * 1000) / phase.latency.requests;
  return { ...phase, control, netCpuMsPer1000: net };
}

async function waitForDeliveries(context: PhaseContext, expected: number): Promise<void> {
  const deadline = performance.now() + context.drainDeadlineMs;
  for (;;) {
    const answers = await Promise.all(context.workers.map((worker) => worker.run({ kind: 'count' })));
    const received = answers.reduce((sum, answer) => sum + answer.received, 0);
    if (received >= expected || performance.now() > deadline) return;
    await sleep(50);
  }
}

/**
 * Streams `size` through the system with every subscriber listening, waits until
 * every due delivery arrived (or the drain deadline passed), and takes the workers'
 * latencies; the instances' CPU is read around the stream and its drain.
 */
export async function measureSubscriptionPhase(
  phase: SubscriptionPhase['phase'],
  size: StreamSize,
  context: PhaseContext,
): Promise<SubscriptionPhase> {
  const { system, workers, subscribersOf } = context;
  const countersBefore = await system.counters();
  const cpuBefore = instancesCpuMs(system);
  const paced = await paceChanges({
    ...size,
    targets: system.targets.length,
    maxInFlight: context.maxInFlight,
    change: (index) => system.change(index),
  });
  const drainStarted = performance.now();
  const committed: Record<string, number[]> = {};
  let expected = 0;
  paced.committed.forEach((times, index) => {
    const id = system.targets[index]?.id ?? '';
    committed[id] = times;
    expected += times.length * (subscribersOf.get(id) ?? 0);
  });
  await waitForDeliveries(context, expected);
  const drainMs = performance.now() - drainStarted;
  const cpuAfter = instancesCpuMs(system);
  const taken: SubscriberAnswer[] = [];
  for (const worker of workers) taken.push(await worker.run({ kind: 'take', committed }));
  const latency = loadResult(
    taken.map((answer) => ({ latencies: answer.latencies, failures: 0, elapsedMs: 0, firstBody: null })),
  );
  const cpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const { committed: _committed, ...stream } = paced;
  return {
    phase,
    stream: { ...stream, targetPerSecond: size.perSecond },
    expected,
    latency,
    missing: taken.reduce((sum, answer) => sum + answer.missing, 0),
    extra: taken.reduce((sum, answer) => sum + answer.extra, 0),
    drainMs,
    cpuMs,
    cpuMsPer1000: cpuMs === null ? null : (cpuMs * 1000) / latency.requests,
    control: null,
    netCpuMsPer1000: null,
    gateway: counterDelta(countersBefore, await system.counters()),
  };
}
