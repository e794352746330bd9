import { z } from 'zod';

// The QLDBSession `SendCommand` request as the AWS SDK sends it (AWS JSON 1.0): blobs
// as base64 strings, members the SDK leaves out absent (never null). Members figway
// does not read are ignored, as AWS services ignore them.
const noMembers = z.object({});
const sendCommandRequest = z.object({
  SessionToken: z.string().optional(),
  StartSession: z.object({ LedgerName: z.string().optional() }).optional(),
  StartTransaction: noMembers.optional(),
  EndSession: noMembers.optional(),
  CommitTransaction: z
    .object({ TransactionId: z.string().optional(), CommitDigest: z.base64().optional() })
    .optional(),
  AbortTransaction: noMembers.optional(),
  ExecuteStatement: z
    .object({
      TransactionId: z.string().optional(),
      Statement: z.string().optional(),
      Parameters: z
        .array(z.object({ IonBinary: z.base64().optional(), IonText: z.string().optional() }))
        .optional(),
    })
    .optional(),
  FetchPage: z
    .object({ TransactionId: z.string().optional(), NextPageToken: z.string().optional() })
    .optional(),
});

/**
 * The QLDBSession `SendCommand` API as the AWS SDK sends it (AWS JSON 1.0): exactly
 * one command per request, blobs as base64. Only the fields figway reads are typed.
 */
export type SendCommandRequest = z.infer<typeof sendCommandRequest>;

/** The names of the commands, in the order QLDB documents them. */
export const COMMANDS = [
  'StartSession',
  'StartTransaction',
  'EndSession',
  'CommitTransaction',
  'AbortTransaction',
  'ExecuteStatement',
  'FetchPage',
] as const;

/** One of the commands. */
export type CommandName = (typeof COMMANDS)[number];

/** A page of Ion values, each as Ion binary in base64. */
export interface Page {
  Values: Array<{ IonBinary: string }>;
  NextPageToken?: string;
}

/** The QLDB error types figway answers with, each becoming its class in the AWS SDK. */
export type QldbErrorType =
  | 'BadRequestException'
  | 'InvalidSessionException'
  | 'OccConflictException'
  | 'LimitExceededException'
  | 'CapacityExceededException';

/** A refusal as QLDB words it; the endpoint sends it as the AWS error of `type`. */
export class QldbError extends Error {
  override name = 'QldbError';
  readonly type: QldbErrorType;
  /** QLDB's error code for InvalidSessionException (e.g. `"Expired"`), when it gives one. */
  readonly code: string | undefined;
  constructor(type: QldbErrorType, message: string, code?: string) {
    super(message);
    this.type = type;
    this.code = code;
  }
}

// Where a malformed member is: `ExecuteStatement.Parameters[0].IonBinary`.
function memberPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * A request's one command and its members, each of the type QLDB declares; a
 * BadRequestException naming the first malformed member, or unless exactly one command
 * is present. Nothing is read from a request before it passes.
 */
export function readCommand(request: unknown): { name: CommandName; request: SendCommandRequest } {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new QldbError('BadRequestException', 'The request body must be a JSON object.');
  const parsed = sendCommandRequest.safeParse(request);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const what =
      issue === undefined ? 'is malformed' : `has a malformed ${memberPath(issue.path)}: ${issue.message}`;
    throw new QldbError('BadRequestException', `The request ${what}.`);
  }
  const present = COMMANDS.filter((name) => parsed.data[name] !== undefined);
  const [name] = present;
  if (present.length !== 1 || name === undefined)
    throw new QldbError(
      'BadRequestException',
      `A request must carry exactly one command (${COMMANDS.join(', ')}); this one carries ${present.length}.`,
    );
  return { name, request: parsed.data };
}
