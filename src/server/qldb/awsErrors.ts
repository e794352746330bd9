import type { ServerResponse } from 'node:http';
import type { SigV4Verdict } from './verifySigV4.ts';

/**
 * An error answer as the AWS SDK v3 reads it: the status, the headers (content type and
 * `x-amzn-errortype`) and the JSON body, ready for {@link sendAwsError}.
 */
export interface AwsErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The errors QLDBSession (`SendCommand`, AWS JSON 1.0) declares, with the status QLDB
 * answers them with. The SDK turns each into its class of that name
 * (`error instanceof OccConflictException`); the QLDB driver retries OccConflictException,
 * InvalidSessionException (unless its message says `Transaction … has expired`) and any
 * 500 or 503, and never retries BadRequestException.
 */
export const QLDB_SESSION_ERROR_STATUS = {
  BadRequestException: 400,
  InvalidSessionException: 400,
  OccConflictException: 400,
  LimitExceededException: 400,
  RateExceededException: 400,
  CapacityExceededException: 503,
} as const;

/** The errors the QLDB control plane (restJson1) declares, with the status QLDB answers them with. */
export const QLDB_CONTROL_ERROR_STATUS = {
  InvalidParameterException: 400,
  LimitExceededException: 400,
  ResourceNotFoundException: 404,
  ResourceAlreadyExistsException: 409,
  ResourceInUseException: 409,
  ResourcePreconditionNotMetException: 412,
} as const;

/** An error type QLDBSession declares. */
export type QldbSessionErrorType = keyof typeof QLDB_SESSION_ERROR_STATUS;

/** An error type the QLDB control plane declares. */
export type QldbControlErrorType = keyof typeof QLDB_CONTROL_ERROR_STATUS;

/**
 * The status a refused signature is answered with. The SDK picks the exception by the
 * type, not the status. On any error it resets its clock offset from the answer's `Date`
 * header (node:http always sends one) when the two differ by 5 minutes or more and then
 * retries, and it retries an `InvalidSignatureException` whose message says
 * `Signature expired` (as {@link verifySigV4}'s does): a client with a wrong clock recovers.
 */
export const AUTH_FAILURE_STATUS = 403;

/**
 * Extra modeled members an error may carry besides its message: `Code` on
 * BadRequestException and InvalidSessionException, `ParameterName` on
 * InvalidParameterException, `ResourceType` and `ResourceName` on the control plane's.
 */
export type AwsErrorFields = Record<string, string>;

function statusFor(type: string, catalogue: Readonly<Record<string, number>>): number {
  return Object.hasOwn(catalogue, type) ? (catalogue[type] ?? 400) : 400;
}

function jsonAnswer(
  status: number,
  contentType: string,
  type: string,
  payload: Record<string, string>,
): AwsErrorResponse {
  const body = JSON.stringify(payload);
  return {
    status,
    headers: {
      'content-type': contentType,
      // The SDK reads the type from this header before the body's `code` or `__type`, so
      // a modeled `Code` member in the body cannot change which exception it builds.
      'x-amzn-errortype': type,
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  };
}

/**
 * An AWS JSON 1.0 error answer (QLDBSession): `{"__type": type, "message": message}` with
 * `fields` besides. `status` defaults to the one QLDB uses for `type`
 * ({@link QLDB_SESSION_ERROR_STATUS}), else 400.
 */
export function awsJsonError(
  type: string,
  message: string,
  status: number = statusFor(type, QLDB_SESSION_ERROR_STATUS),
  fields: AwsErrorFields = {},
): AwsErrorResponse {
  const payload = { ...fields, __type: type, message };
  return jsonAnswer(status, 'application/x-amz-json-1.0', type, payload);
}

/**
 * A restJson1 error answer (the QLDB control plane): `{"message": message}` with `fields`
 * besides, the type in `x-amzn-errortype`. `status` defaults to the one QLDB uses for
 * `type` ({@link QLDB_CONTROL_ERROR_STATUS}), else 400.
 */
export function restJsonError(
  type: string,
  message: string,
  status: number = statusFor(type, QLDB_CONTROL_ERROR_STATUS),
  fields: AwsErrorFields = {},
): AwsErrorResponse {
  const payload = { ...fields, message };
  return jsonAnswer(status, 'application/json', type, payload);
}

/**
 * The answer to a request {@link verifySigV4} refused, in the protocol of the API it
 * called: the refusal's AWS type (e.g. `InvalidSignatureException`,
 * `UnrecognizedClientException`) with status {@link AUTH_FAILURE_STATUS} and its reason.
 */
export function authFailureError(
  verdict: Extract<SigV4Verdict, { ok: false }>,
  protocol: 'awsJson1_0' | 'restJson1',
): AwsErrorResponse {
  return protocol === 'awsJson1_0'
    ? awsJsonError(verdict.errorType, verdict.reason, AUTH_FAILURE_STATUS)
    : restJsonError(verdict.errorType, verdict.reason, AUTH_FAILURE_STATUS);
}

/**
 * Writes an error answer and ends the response. When the answer has already begun (its
 * status is sent), an error can no longer be told to the SDK, so the connection is cut:
 * the client then sees a failed request instead of a truncated success.
 */
export function sendAwsError(response: ServerResponse, error: AwsErrorResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(error.status, error.headers);
  response.end(error.body);
}
