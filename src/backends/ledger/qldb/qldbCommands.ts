/**
 * The QLDBSession `SendCommand` API as the AWS SDK sends it (AWS JSON 1.0): exactly
 * one command per request, blobs as base64. Only the fields figway reads are typed.
 */
export interface SendCommandRequest {
  SessionToken?: string;
  StartSession?: { LedgerName?: string };
  StartTransaction?: Record<string, never>;
  EndSession?: Record<string, never>;
  CommitTransaction?: { TransactionId?: string; CommitDigest?: string };
  AbortTransaction?: Record<string, never>;
  ExecuteStatement?: {
    TransactionId?: string;
    Statement?: string;
    Parameters?: Array<{ IonBinary?: string; IonText?: string }>;
  };
  FetchPage?: { TransactionId?: string; NextPageToken?: string };
}

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

/** The one command of a request; a BadRequestException unless exactly one is present. */
export function commandOf(request: unknown): CommandName {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new QldbError('BadRequestException', 'The request body must be a JSON object.');
  const present = COMMANDS.filter((name) => (request as Record<string, unknown>)[name] !== undefined);
  const [command] = present;
  if (present.length !== 1 || command === undefined)
    throw new QldbError(
      'BadRequestException',
      `A request must carry exactly one command (${COMMANDS.join(', ')}); this one carries ${present.length}.`,
    );
  return command;
}
