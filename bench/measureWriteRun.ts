import type { TestGateway } from '../harness/testGateway.ts';
import { writeDefinitions } from '../src/routing/flagFiles.ts';
import type { MirrorOutcome } from '../src/writes/sync/createSync.ts';
import { type LoadResult, loadResult } from './driveLoad.ts';
import type { WriteOutcome } from './driveWrites.ts';
import { mainThreadCpuMs } from './mainThreadCpu.ts';
import { type MirrorDelta, mirrorDelta, readMirrorMetrics } from './mirrorMetrics.ts';
import { mutationFlags, type WriteStage } from './mutationFlags.ts';

/** One measured run at one stage, and the drain after it. */
export interface WriteRun {
  load: LoadResult;
  created: number;
  attached: number;
  /** CPU milliseconds of the gateway's thread over the run (requests, the mirror, PGlite); null off Linux. */
  cpuMs: number | null;
  /** Changes still queued (both ways, dead letters excluded) once the queues emptied or the drain gave up. */
  leftAfterDrain: number;
  /** Dead letters in both queues after the drain. */
  deadLetters: number;
  /** How long the queues took to empty after the run. */
  drainMs: number;
}

/** What one measured run produced: the run, the raw outcome, and what the mirror did over it and its drain. */
export interface MeasuredWriteRun {
  run: WriteRun;
  outcome: WriteOutcome;
  mirror: MirrorDelta;
  /** Writes the gateway handed to the mirror during the run, by the stage it gave with them. */
  mirroredWrites: Record<string, number>;
  /** Milliseconds each of those writes' own mirror took: after the write committed, before its response. */
  inlineMirrorMs: number[];
}

/** Hears every write the gateway hands to the mirror (pass `hear` as the sync's `onMirrored`). */
export interface MirroredWrites {
  hear(outcome: MirrorOutcome): void;
  /** Everything heard since the last call. */
  take(): { byStage: Record<string, number>; ms: number[] };
}

/** A tally of the writes the gateway hands to the mirror. */
export function tallyMirroredWrites(): MirroredWrites {
  let byStage: Record<string, number> = {};
  let ms: number[] = [];
  return {
    hear(outcome) {
      byStage[outcome.write.stage] = (byStage[outcome.write.stage] ?? 0) + 1;
      ms.push(outcome.ms);
    },
    take() {
      const taken = { byStage, ms };
      byStage = {};
      ms = [];
      return taken;
    },
  };
}

/** Rewrites the gateway's flags file with every Mutation unit at `stage`, and waits until it is applied. */
export async function switchStage(gateway: TestGateway, stage: WriteStage): Promise<void> {
  // Listen before writing, so a quick reload cannot slip past.
  const reloaded = gateway.nextFlagsReload();
  await writeDefinitions(gateway.flagsPath, await mutationFlags(stage));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    reloaded,
    new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), 10_000);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'applied') throw new Error(`moving the mutation units to ${stage}: ${outcome}`);
}

/**
 * Drains both queues until nothing is pending or `deadlineMs` passes. The
 * background appliers may hold a claim, so one `drain()` alone can return early.
 */
export async function drainQueues(
  gateway: TestGateway,
  deadlineMs: number,
): Promise<Pick<WriteRun, 'leftAfterDrain' | 'deadLetters' | 'drainMs'>> {
  const sync = gateway.sync;
  if (sync === null) throw new Error('the writes benchmark needs the gateway started with sync');
  const started = performance.now();
  for (;;) {
    await sync.drain();
    const status = await sync.status();
    const left = status.toTarget.pending + status.toLegacy.pending;
    const deadLetters = status.toTarget.deadLetters.length + status.toLegacy.deadLetters.length;
    const drainMs = performance.now() - started;
    if (left === 0 || drainMs > deadlineMs) return { leftAfterDrain: left, deadLetters, drainMs };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * One measured run from empty queues: `load` drives the mutations, then the queues
 * are drained, and the mirror's metrics are read around both.
 */
export async function measureWriteRun(
  gateway: TestGateway,
  load: () => Promise<WriteOutcome>,
  mirrored: MirroredWrites,
  drainDeadlineMs: number,
): Promise<MeasuredWriteRun> {
  await drainQueues(gateway, drainDeadlineMs);
  const before = await readMirrorMetrics(gateway.metrics);
  mirrored.take();
  const cpuBefore = mainThreadCpuMs();
  const outcome = await load();
  const cpuAfter = mainThreadCpuMs();
  const heard = mirrored.take();
  const drained = await drainQueues(gateway, drainDeadlineMs);
  return {
    run: {
      load: loadResult([outcome]),
      created: outcome.created,
      attached: outcome.attached,
      cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      ...drained,
    },
    outcome,
    mirror: mirrorDelta(before, await readMirrorMetrics(gateway.metrics)),
    mirroredWrites: heard.byStage,
    inlineMirrorMs: heard.ms,
  };
}
