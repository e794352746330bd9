import { z } from 'zod';
import type { CommitmentChange } from '../core/changeEvents.ts';

// What one publish() sends between instances: the publishing instance's id, so it can
// ignore its own message (its listeners heard the changes when they were published),
// and the changes, as published. Checked on receipt: a channel is shared, and anything
// (another version of figway, a person with redis-cli) may write to it.

const activity = z.object({
  kind: z.enum(['CREATED', 'STATUS_CHANGED', 'PARTY_ADDED', 'DOCUMENT_ATTACHED']),
  profileId: z.string().optional(),
});

const commitmentChange: z.ZodType<CommitmentChange> = z.object({
  id: z.string().min(1),
  source: z.enum(['legacy', 'target']),
  commitmentId: z.string().min(1),
  activities: z.array(activity),
  actorId: z.string().nullable(),
  at: z.string(),
});

const changeMessage = z.object({
  instanceId: z.string().min(1),
  seq: z.number().int().positive(),
  changes: z.array(commitmentChange).min(1),
});

/**
 * One publish() of one instance, as it travels over the Redis channel. `seq` counts the
 * instance's publishes from 1, so a receiver can tell how many of them it missed.
 */
export interface ChangeMessage {
  instanceId: string;
  seq: number;
  changes: CommitmentChange[];
}

/** What {@link decodeChangeMessage} made of a message: the message, or why it is not one. */
export type DecodedChangeMessage =
  | { kind: 'message'; message: ChangeMessage }
  | { kind: 'malformed'; reason: string };

/** The text one publish() sends on the channel. */
export function encodeChangeMessage(
  instanceId: string,
  seq: number,
  changes: readonly CommitmentChange[],
): string {
  return JSON.stringify({ instanceId, seq, changes });
}

/** Reads a message from the channel; never throws: anything else is `malformed` with the reason. */
export function decodeChangeMessage(text: string): DecodedChangeMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      kind: 'malformed',
      reason: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const parsed = changeMessage.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'malformed',
      reason: issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    };
  }
  return { kind: 'message', message: parsed.data };
}
