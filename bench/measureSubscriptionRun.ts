import type { SubscriberAnswer, SubscriberDriver } from './driveSubscribers.ts';
import { heapAfterCollection } from './inspectHeap.ts';
import { progress } from './measure.ts';
import {
  measureStreamControl,
  measureSubscriptionPhase,
  type PhaseContext,
  type StreamSize,
  type SubscriptionPhase,
  withControl,
} from './measureSubscriptionPhase.ts';
import { paceChanges } from './paceChanges.ts';
import { processRssBytes, sumOverProcesses } from './processUsage.ts';
import { layOutSockets, type RunningSystem, type SubscriptionSystem } from './subscriptionSystem.ts';

/** What one run of the subscriptions benchmark takes: its streams, and how subscribers are laid out. */
export interface SubscriptionRunSizes {
  steady: StreamSize;
  burst: StreamSize;
  /** Unmeasured changes at the steady rate before anyone subscribes, to warm the JIT. */
  warmUpMs: number;
  /** The longest no-subscriber control stream (each phase's stream, cut to this length). */
  controlMs: number;
  /** Subscriptions multiplexed over one socket. */
  perSocket: number;
  /** Changes in flight at most. */
  maxInFlight: number;
  /** How long the deliveries may take after a stream's last change before the ones missing count as lost. */
  drainDeadlineMs: number;
}

/** Both instances' memory around subscribing; a figure is null where it cannot be read. */
export interface SubscriptionMemory {
  /** JavaScript heap in use right after a full collection (read through the inspector). */
  heapBeforeBytes: number | null;
  heapAfterBytes: number | null;
  /** Resident set (VmRSS), Linux only. */
  rssBeforeBytes: number | null;
  rssAfterBytes: number | null;
}

/** One system at one subscriber count, on fresh instances. */
export interface SubscriptionRun {
  system: SubscriptionSystem['name'];
  subscribers: number;
  /** Sockets on A and on B. */
  sockets: [number, number];
  /** Subscriptions open on A and on B once subscribed. */
  active: [number, number];
  /** From the first socket opened until every subscription was open on its instance. */
  subscribeMs: number;
  memory: SubscriptionMemory;
  phases: SubscriptionPhase[];
  /** Subscription errors, results with errors and sockets closed unasked, with up to five messages. */
  subscriberErrors: { count: number; samples: string[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForActive(system: RunningSystem, wanted: readonly number[], deadlineMs: number) {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const active = await system.active();
    if (active.every((count, index) => count === wanted[index]) || performance.now() > deadline)
      return active;
    await sleep(50);
  }
}

async function memoryNow(system: RunningSystem) {
  const heaps = await Promise.all(
    system.processes.map((one) => (one.inspectorUrl === null ? null : heapAfterCollection(one.inspectorUrl))),
  );
  return {
    heap: heaps.some((heap) => heap === null)
      ? null
      : heaps.reduce<number>((sum, heap) => sum + (heap ?? 0), 0),
    rss: sumOverProcesses(
      system.processes.map((one) => one.pid),
      processRssBytes,
    ),
  };
}

async function subscribe(
  label: string,
  system: SubscriptionSystem,
  running: RunningSystem,
  workers: readonly [SubscriberDriver, SubscriberDriver],
  subscribers: number,
  perSocket: number,
) {
  const layout = layOutSockets(running.targets, subscribers, perSocket);
  progress(`${label}: subscribing`);
  const opening = performance.now();
  const instances = [0, 1] as const;
  await Promise.all(
    instances.map((instance) =>
      workers[instance].run({
        kind: 'open',
        url: running.urls[instance].replace(/^http/, 'ws'),
        query: system.query,
        sockets: layout.sockets[instance],
      }),
    ),
  );
  const share = layout.sockets.map((sockets) =>
    sockets.reduce((sum, one) => sum + one.commitmentIds.length, 0),
  );
  const active = await waitForActive(running, share, 60_000);
  if (active.some((count, index) => count !== share[index])) {
    const answers = await Promise.all(workers.map((worker) => worker.run({ kind: 'count' })));
    throw new Error(
      `${label}: ${active.join(' + ')} subscriptions open after 60 s, ${share.join(' + ')} asked; ` +
        `e.g. ${answers.flatMap((answer) => answer.errorSamples).join('; ')}`,
    );
  }
  return { layout, active, subscribeMs: performance.now() - opening };
}

async function subscribeAndStream(
  label: string,
  system: SubscriptionSystem,
  running: RunningSystem,
  workers: readonly [SubscriberDriver, SubscriberDriver],
  subscribers: number,
  sizes: SubscriptionRunSizes,
): Promise<Omit<SubscriptionRun, 'subscriberErrors'> & { closed: SubscriberAnswer[] }> {
  progress(`${label}: ${sizes.warmUpMs} ms of changes with no subscriber (warm-up)`);
  const change = (index: number) => running.change(index);
  const targets = running.targets.length;
  await paceChanges({
    ...sizes.steady,
    durationMs: sizes.warmUpMs,
    targets,
    maxInFlight: sizes.maxInFlight,
    change,
  });
  const before = await memoryNow(running);
  const { layout, active, subscribeMs } = await subscribe(
    label,
    system,
    running,
    workers,
    subscribers,
    sizes.perSocket,
  );
  const after = await memoryNow(running);
  const context: PhaseContext = {
    system: running,
    workers,
    subscribersOf: layout.subscribersOf,
    maxInFlight: sizes.maxInFlight,
    drainDeadlineMs: sizes.drainDeadlineMs,
  };
  const streams = [
    ['steady', sizes.steady],
    ['burst', sizes.burst],
  ] as const;
  const phases: SubscriptionPhase[] = [];
  for (const [phase, size] of streams) {
    progress(`${label}: ${phase}, ${size.perSecond} changes/s for ${size.durationMs} ms`);
    phases.push(await measureSubscriptionPhase(phase, size, context));
  }
  const closed = await Promise.all(workers.map((worker) => worker.run({ kind: 'close' })));
  await waitForActive(running, [0, 0], 10_000);
  progress(`${label}: the same streams with no subscriber (control)`);
  for (const [index, [, size]] of streams.entries()) {
    const controlSize = { ...size, durationMs: Math.min(size.durationMs, sizes.controlMs) };
    const control = await measureStreamControl(running, controlSize, sizes.maxInFlight);
    const phase = phases[index];
    if (phase !== undefined) phases[index] = withControl(phase, control);
  }
  return {
    system: system.name,
    subscribers,
    sockets: [layout.sockets[0].length, layout.sockets[1].length],
    active: [active[0] ?? 0, active[1] ?? 0],
    subscribeMs,
    memory: {
      heapBeforeBytes: before.heap,
      heapAfterBytes: after.heap,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
    },
    phases,
    closed,
  };
}

/**
 * One run on fresh instances of `system`: a warm-up stream with no subscriber, then
 * `subscribers` subscriptions opened through `workers` (the first worker's sockets
 * on instance A, the second's on B) and the heap read around it, the steady and the
 * burst phases, each drained before the next, and, once everyone has unsubscribed,
 * the same streams again as the control of the change path's own CPU.
 */
export async function measureSubscriptionRun(
  system: SubscriptionSystem,
  workers: readonly [SubscriberDriver, SubscriberDriver],
  subscribers: number,
  sizes: SubscriptionRunSizes,
): Promise<SubscriptionRun> {
  const label = `${system.name}, ${subscribers} subscribers`;
  progress(`${label}: starting two instances`);
  const running = await system.start();
  try {
    const { closed, ...run } = await subscribeAndStream(label, system, running, workers, subscribers, sizes);
    return {
      ...run,
      subscriberErrors: {
        count: closed.reduce((sum, answer) => sum + answer.errors, 0),
        samples: [...new Set(closed.flatMap((answer) => answer.errorSamples))].slice(0, 5),
      },
    };
  } finally {
    // Closing twice is harmless: a worker with nothing open answers at once.
    await Promise.all(workers.map((worker) => worker.run({ kind: 'close' })));
    await running.stop();
  }
}
