import type { ResponsePath as Path } from 'graphql';
import type { Side } from '../core/stage.ts';
import { clientErrorCode } from './clientErrorCode.ts';
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

/** The side of an item whose unit never re-reads: asked anyway, it fails the re-read. */
export const NOT_KEPT: ExperimentSide = {
  side: 'legacy',
  read: () => Promise.reject(new Error('this comparison keeps no way to read again')),
};

/** How one side's read ended; a failure with its message and the code a client is shown for it. */
export type Settled =
  | { kind: 'value'; value: unknown; ms: number }
  | { kind: 'error'; error: string; code: string; ms: number }
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
  /**
   * The field's response path with list indexes as `[*]`: `commitments.edges[*].node.status`
   * (set when the comparison is judged, after the response).
   */
  root: string;
  id: string | null;
  /** The selection and place, shared by every item of one field (the first item's info). */
  info: ShadowFieldInfo;
  /** How to read each side again; null when the unit never re-reads (no recheck, no noise check). */
  control: ExperimentSide | null;
  candidate: ExperimentSide | null;
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

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
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
      code: clientErrorCode(error),
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
  // Each field's place, by its field nodes (graphql-js gives every item of a list the
  // same ones): the first item's info, which the others share rather than keep their own
  // until the comparison is judged, and the ids compared there.
  private readonly places = new Map<
    ShadowFieldInfo['fieldNodes'],
    { info: ShadowFieldInfo; ids: Set<string> }
  >();
  private readonly keepSides: boolean;
  private pending = 0;
  private lastStartedAt = 0;
  private closing = false;
  private closed = false;
  private wake: (() => void) | null = null;

  /** `keepSides`: whether judging may read an item again (a recheck, a noise check). */
  constructor(effectiveRate: number, keepSides: boolean) {
    this.effectiveRate = effectiveRate;
    this.keepSides = keepSides;
  }

  /**
   * Takes a value into the comparison; false when this object's value at this place is
   * already in it (the same profile on every party), which is then not read again, or
   * when the comparison is already being judged.
   */
  admit(site: ShadowSite): boolean {
    // Settling or judged already (a response past maxWaitMs): later values are served, not compared.
    if (this.closing) return false;
    let place = this.places.get(site.info.fieldNodes);
    if (place === undefined) {
      place = { info: site.info, ids: new Set() };
      this.places.set(site.info.fieldNodes, place);
    }
    if (site.id === null) return true;
    if (place.ids.has(site.id)) return false;
    place.ids.add(site.id);
    return true;
  }

  /**
   * Adds an admitted value whose reads have started; their ends are timed from now. The
   * item keeps only what judging needs: under load, what a request holds until it is
   * judged outlives the young generation, and the collector pays for every object of it.
   */
  add(
    site: ShadowSite,
    control: ExperimentSide,
    candidate: ExperimentSide,
    controlRead: Promise<unknown>,
    candidateRead: Promise<unknown>,
  ) {
    const item: ComparedItem = {
      root: '',
      id: site.id,
      info: this.places.get(site.info.fieldNodes)?.info ?? site.info,
      control: this.keepSides ? control : null,
      candidate: this.keepSides ? candidate : null,
      controlResult: null,
      candidateResult: null,
    };
    this.items.push(item);
    const started = performance.now();
    this.lastStartedAt = started;
    this.pending += 2;
    this.track(controlRead, started, item, 'controlResult');
    this.track(candidateRead, started, item, 'candidateResult');
  }

  private track(
    read: Promise<unknown>,
    started: number,
    item: ComparedItem,
    result: 'controlResult' | 'candidateResult',
  ) {
    const end = (settled: Settled) => {
      if (this.closed) return;
      item[result] = settled;
      this.pending -= 1;
      if (this.pending === 0) this.wake?.();
    };
    read.then(
      (value) => end({ kind: 'value', value, ms: elapsed(started) }),
      (error: unknown) =>
        end({ kind: 'error', error: errorText(error), code: clientErrorCode(error), ms: elapsed(started) }),
    );
  }

  /**
   * Resolves once every read has ended, or `timeoutMs` after the last value was added:
   * reads still running then are timeouts, and anything they say later is ignored. A
   * candidate that took longer than `timeoutMs` is a timeout whenever it answered.
   * Each item then gets its root (one path per field nodes: the items of a list share it).
   */
  async settle(timeoutMs: number): Promise<void> {
    this.closing = true;
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
    const roots = new Map<ShadowFieldInfo['fieldNodes'], string>();
    for (const item of this.items) {
      item.controlResult ??= { kind: 'timeout', ms: timeoutMs };
      // A candidate slower than its timeout is a timeout, also when it answered while the
      // response (its control) took longer still.
      if (item.candidateResult === null || item.candidateResult.ms > timeoutMs)
        item.candidateResult = { kind: 'timeout', ms: timeoutMs };
      let root = roots.get(item.info.fieldNodes);
      if (root === undefined) {
        root = rootOf(item.info.path);
        roots.set(item.info.fieldNodes, root);
      }
      item.root = root;
    }
  }
}
