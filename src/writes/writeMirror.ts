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

/** The commitment a mirrored write touched, from its result (`commitmentId`, or its own `id`); null when none. */
export function entityOfWrite(write: MirroredWrite): string | null {
  const result = write.result as { id?: unknown; commitmentId?: unknown } | null;
  if (result === null || typeof result !== 'object') return null;
  const id = result.commitmentId ?? result.id;
  return typeof id === 'string' ? id : null;
}
