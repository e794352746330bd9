import { AsyncLocalStorage } from 'node:async_hooks';
import type { Side, Stage } from './stage.ts';

/**
 * What the write running in this async context is for: the mutation unit, its stage,
 * and the side it will be mirrored to. A target adapter reads it to commit an outbox
 * row in the same transaction as a write that legacy must receive.
 */
export interface WriteIntent {
  unit: string;
  stage: Stage;
  /** The side the write is mirrored to, or null in stages that mirror nothing. */
  mirrorTo: Side | null;
}

const intents = new AsyncLocalStorage<WriteIntent>();

/** Runs `fn` with `intent` as the current write intent. */
export function withWriteIntent<T>(intent: WriteIntent, fn: () => T): T {
  return intents.run(intent, fn);
}

/** The write intent of the current async context, if a mutation is running. */
export function currentWriteIntent(): WriteIntent | undefined {
  return intents.getStore();
}
