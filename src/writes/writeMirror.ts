import type { Side, Stage } from '../core/stage.ts';

/** A write the authoritative side accepted, to be repeated on the other side. */
export interface MirroredWrite {
  unit: string;
  stage: Stage;
  /** The side to mirror to. */
  to: Side;
  args: unknown;
  result: unknown;
}

/**
 * Copies a write the authoritative side accepted to the other side, right after the
 * commit (the change itself is already durable in the capture queue or the outbox).
 * It is called only in stages that mirror (dualwrite, shadow, live, rampdown) and
 * rejects when the copy could not be made at once. The gateway wraps it in
 * `recordMirrorFailures`, so a rejection is counted and logged and never reaches the
 * client's response. The real one is `createSync(...).mirror` (src/writes/sync).
 */
export interface WriteMirror {
  mirror(write: MirroredWrite): Promise<void>;
}

/** A mirror that copies nothing, for gateways and tests without targets to mirror to. */
export const NO_MIRROR: WriteMirror = {
  async mirror() {},
};
