/** What one change through the instance under test came to: its commit time, or why it failed. */
export type ChangeAnswer = { ok: true; committedAt: number } | { ok: false; failure: string };

/** An open-loop stream of changes: `perSecond` for `durationMs`, round-robin over `targets` commitments. */
export interface PaceSpec {
  perSecond: number;
  durationMs: number;
  /** How many commitments the changes go to (indexes 0 to targets - 1). */
  targets: number;
  /** Changes in flight at most; a commitment never has two. */
  maxInFlight: number;
  /** Makes one change to commitment `index` and resolves once it is committed (or failed). */
  change(index: number): Promise<ChangeAnswer>;
}

/** What a paced stream did. */
export interface PacedStream {
  /** Commit times (epoch ms) of each commitment's changes, in commit order. */
  committed: number[][];
  /** Changes committed. */
  changes: number;
  failures: number;
  /** Up to five distinct failure messages. */
  failureSamples: string[];
  /** Changes committed per second, from the first send to the last answer. */
  achievedPerSecond: number;
  /** How far behind its schedule a send went at worst, in ms (the in-flight cap held it back). */
  maxBehindMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends the changes on a schedule, not in a tight loop: change `n` is due at
 * `n / perSecond` seconds, and each timer tick sends every change that is due. A
 * change waits for a free slot past `maxInFlight` (the delay is reported), and goes
 * to the next commitment in turn that has no change in flight, so each commitment's
 * changes commit in the order sent.
 */
export async function paceChanges(spec: PaceSpec): Promise<PacedStream> {
  const total = Math.round((spec.perSecond * spec.durationMs) / 1000);
  const cap = Math.max(1, Math.min(spec.maxInFlight, spec.targets - 1));
  const committed: number[][] = Array.from({ length: spec.targets }, () => []);
  const busy = new Set<number>();
  const samples = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failures = 0;
  let cursor = 0;
  let maxBehindMs = 0;
  let lastAnswer = performance.now();
  const started = performance.now();
  const dueAt = (n: number) => started + (n * 1000) / spec.perSecond;

  const send = (index: number) => {
    busy.add(index);
    const sent = spec
      .change(index)
      .then(
        (answer) => {
          if (answer.ok) committed[index]?.push(answer.committedAt);
          else {
            failures += 1;
            if (samples.size < 5) samples.add(answer.failure);
          }
        },
        (error: unknown) => {
          failures += 1;
          if (samples.size < 5) samples.add(error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => {
        busy.delete(index);
        inFlight.delete(sent);
        lastAnswer = performance.now();
      });
    inFlight.add(sent);
  };

  for (let issued = 0; issued < total; ) {
    const now = performance.now();
    while (issued < total && dueAt(issued) <= now && inFlight.size < cap) {
      maxBehindMs = Math.max(maxBehindMs, now - dueAt(issued));
      let index = cursor++ % spec.targets;
      while (busy.has(index)) index = cursor++ % spec.targets;
      send(index);
      issued += 1;
    }
    if (issued >= total) break;
    if (inFlight.size >= cap) await Promise.race(inFlight);
    else await sleep(Math.max(0, dueAt(issued) - performance.now()));
  }
  await Promise.all(inFlight);
  const changes = committed.reduce((sum, times) => sum + times.length, 0);
  return {
    committed,
    changes,
    failures,
    failureSamples: [...samples],
    achievedPerSecond: changes / ((lastAnswer - started) / 1000),
    maxBehindMs,
  };
}
