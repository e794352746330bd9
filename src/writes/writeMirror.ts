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
 * Where a mirrored write goes once the authoritative side has accepted it: the seam
 * for the durable outbox. It is called only in stages that mirror (dualwrite,
 * shadow, live, rampdown). The gateway wraps it in `recordMirrorFailures`, so a
 * rejection is counted and logged and never reaches the client's response.
 */
export interface WriteMirror {
  mirror(write: MirroredWrite): Promise<void>;
}

/** The mirror until the outbox exists: it records nothing and mirrors nothing. */
export const NO_MIRROR: WriteMirror = {
  async mirror() {},
};
