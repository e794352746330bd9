import { isStage, mirrorSide } from './stage.ts';
import type { WriteIntent } from './writeIntent.ts';

/**
 * The HTTP header that carries a gateway's write intent to a target service, so that
 * the service commits the write's outbox row in the write's own transaction, as the
 * in-process target does. Its value is `<unit>; <stage>`, e.g.
 * `Mutation.createCommitment; live`; the side mirrored to follows from the stage.
 */
export const WRITE_INTENT_HEADER = 'figway-write-intent';

const UNIT = /^Mutation\.[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** The header value of `intent`. */
export function formatWriteIntentHeader(intent: WriteIntent): string {
  return `${intent.unit}; ${intent.stage}`;
}

/**
 * Reads a {@link WRITE_INTENT_HEADER} value: the intent it names, or a sentence saying
 * what is wrong with it. The unit must be a mutation unit, the stage one of the six.
 */
export function parseWriteIntentHeader(value: string): WriteIntent | { problem: string } {
  const [unit, stage, ...rest] = value.split(';').map((part) => part.trim());
  if (unit === undefined || stage === undefined || rest.length > 0)
    return {
      problem: `${WRITE_INTENT_HEADER} must be "<unit>; <stage>", e.g. "Mutation.createCommitment; live".`,
    };
  if (!UNIT.test(unit))
    return { problem: `${WRITE_INTENT_HEADER} names ${JSON.stringify(unit)}, not a mutation unit.` };
  if (!isStage(stage))
    return { problem: `${WRITE_INTENT_HEADER} names ${JSON.stringify(stage)}, not a stage.` };
  return { unit, stage, mirrorTo: mirrorSide(stage) };
}
