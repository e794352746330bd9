import { gatherReads } from '../backends/gatheredReads.ts';
import { type ExperimentSide, type LaterRead, startRead } from './unitComparison.ts';

/** The candidate reads of one request, held until its response is out. */
export interface LaterReads {
  /** The candidate's read: started by {@link LaterReads.start}, or now if that has run. */
  read(candidate: ExperimentSide): LaterRead;
  /** Starts every read held so far, together; later reads start at once. */
  start(): void;
}

/**
 * Holds a request's candidate reads until its response has gone out: they never compete
 * with the response for connections or CPU, and starting them together lets each backend
 * send them in one round trip ({@link gatherReads}) where they would take one per
 * resolver level and DataLoader.
 */
export function holdLaterReads(): LaterReads {
  let held: Array<() => void> | null = [];
  let startedAt = 0;
  const started = () => startedAt;
  return {
    read(candidate) {
      if (held === null) {
        const at = performance.now();
        return { read: startRead(candidate, 0), startedAt: () => at };
      }
      const queue = held;
      const read = new Promise<unknown>((resolve) => {
        queue.push(() => resolve(startRead(candidate, 0)));
      });
      return { read, startedAt: started };
    },
    start() {
      const starts = held ?? [];
      held = null;
      startedAt = performance.now();
      gatherReads(() => {
        for (const start of starts) start();
      });
    },
  };
}
