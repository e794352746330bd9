import type { ResponsePath as Path } from 'graphql';
import type { Side } from '../core/stage.ts';
import type { SelectionInfo } from './projectSelection.ts';

/**
 * One side of an experiment: which it is, and how to read it. `round` 0 reads with the
 * request's own caches; a later round reads through a fresh context shared by every
 * re-read of that round in the request, so re-reads of a list's items batch too.
 */
export interface ExperimentSide {
  side: Side;
  read(round: number): Promise<unknown>;
}

/** How one side's read ended. */
export type Settled =
  | { kind: 'value'; value: unknown; ms: number }
  | { kind: 'error'; error: string; ms: number }
  | { kind: 'timeout'; ms: number };

/** What a resolver tells the runner about the field it reads: the selection and where it sits. */
export interface ShadowFieldInfo extends SelectionInfo {
  path: Path;
  operation: { name?: { value: string } | undefined };
}

/** Where a unit's value sits in the response: the field, and the id of the object it is read on. */
export interface ShadowSite {
  info: ShadowFieldInfo;
  /** The parent object's id (the commitment of `Commitment.status`), or null. */
  id: string | null;
}

/** One value of the unit in the response and how each side's read of it ended (null while pending). */
export interface ComparedItem {
  /** The field's response path with list indexes as `[*]`: `commitments.edges[*].node.status`. */
  root: string;
  id: string | null;
  info: SelectionInfo;
  control: ExperimentSide;
  candidate: ExperimentSide;
  controlResult: Settled | null;
  candidateResult: Settled | null;
}

/** The response path of a field with every list index as `[*]`, aliases as the client named them. */
export function rootOf(path: Path): string {
  const keys: Array<string | number> = [];
  for (let at: Path | undefined = path; at !== undefined; at = at.prev) keys.push(at.key);
  let root = '';
  for (let index = keys.length - 1; index >= 0; index--) {
    const key = keys[index] as string | number;
    if (typeof key === 'number') root += '[*]';
    else root = root === '' ? key : `${root}.${key}`;
  }
  return root;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// A read's failure as a rejection, even when `read` throws before returning a promise.
export function startRead(side: ExperimentSide, round: number): Promise<unknown> {
  try {
    return Promise.resolve(side.read(round));
  } catch (error) {
    return Promise.reject(error);
  }
}

// A re-read, timed, within the unit's candidate timeout.
export function settleRead(work: Promise<unknown>, timeoutMs: number): Promise<Settled> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 100) / 100;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout', ms: timeoutMs }), timeoutMs);
    timer.unref();
  });
  const settled = work.then(
    (value): Settled => ({ kind: 'value', value, ms: ms() }),
    (error: unknown): Settled => ({
      kind: 'error',
      error: errorText(error),
      ms: ms(),
    }),
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The comparison of one migration unit in one request: every occurrence of the unit
 * in the response (one per list item, a repeated object counted once) with both sides'
 * reads, judged together once the response is out.
 */
export class UnitComparison {
  readonly items: ComparedItem[] = [];
  readonly effectiveRate: number;
  private readonly keys = new Set<string>();
  private pending = 0;
  private lastStartedAt = 0;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(effectiveRate: number) {
    this.effectiveRate = effectiveRate;
  }

  /** True when this object's value at this place is already compared (the same profile on every party). */
  has(root: string, id: string | null): boolean {
    return id !== null && this.keys.has(`${root}\u0000${id}`);
  }

  /** Adds a value whose reads have started; their ends are timed from now. */
  add(
    item: Omit<ComparedItem, 'controlResult' | 'candidateResult'>,
    controlRead: Promise<unknown>,
    candidateRead: Promise<unknown>,
  ) {
    if (item.id !== null) this.keys.add(`${item.root}\u0000${item.id}`);
    const compared: ComparedItem = { ...item, controlResult: null, candidateResult: null };
    this.items.push(compared);
    const started = performance.now();
    this.lastStartedAt = started;
    this.pending += 2;
    this.track(controlRead, started, (settled) => {
      compared.controlResult = settled;
    });
    this.track(candidateRead, started, (settled) => {
      compared.candidateResult = settled;
    });
  }

  private track(read: Promise<unknown>, started: number, done: (settled: Settled) => void) {
    const ms = () => Math.round((performance.now() - started) * 100) / 100;
    const end = (settled: Settled) => {
      if (this.closed) return;
      done(settled);
      this.pending -= 1;
      if (this.pending === 0) this.wake?.();
    };
    read.then(
      (value) => end({ kind: 'value', value, ms: ms() }),
      (error: unknown) => end({ kind: 'error', error: errorText(error), ms: ms() }),
    );
  }

  /**
   * Resolves once every read has ended, or `timeoutMs` after the last value was added:
   * reads still running then are timeouts, and anything they say later is ignored.
   */
  async settle(timeoutMs: number): Promise<void> {
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        const left = Math.max(0, this.lastStartedAt + timeoutMs - performance.now());
        timer = setTimeout(resolve, left);
        timer.unref();
      });
      clearTimeout(timer);
    }
    this.closed = true;
    for (const item of this.items) {
      item.controlResult ??= { kind: 'timeout', ms: timeoutMs };
      item.candidateResult ??= { kind: 'timeout', ms: timeoutMs };
    }
  }
}
