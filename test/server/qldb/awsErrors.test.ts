import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetDigestCommand,
  InvalidParameterException,
  QLDBClient,
  QLDBServiceException,
  ResourceNotFoundException,
  ResourcePreconditionNotMetException,
} from '@aws-sdk/client-qldb';
import {
  BadRequestException,
  CapacityExceededException,
  InvalidSessionException,
  LimitExceededException,
  OccConflictException,
  QLDBSessionClient,
  QLDBSessionServiceException,
  RateExceededException,
  SendCommandCommand,
} from '@aws-sdk/client-qldb-session';
import type { ServiceException } from '@smithy/smithy-client';
import {
  isBadRequestException,
  isInvalidSessionException,
  isOccConflictException,
  isResourceNotFoundException,
  isTransactionExpiredException,
} from 'amazon-qldb-driver-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsErrorResponse,
  authFailureError,
  awsJsonError,
  restJsonError,
  sendAwsError,
} from '../../../src/server/qldb/awsErrors.ts';
import { verifySigV4 } from '../../../src/server/qldb/verifySigV4.ts';

const KEYS = new Map([['AKIDFIGWAYLEDGER', 'secret-of-the-ledger-key']]);
const SESSION_TOKEN = 'session-token-for-x';

/** The error each ledger name is answered with: the test server's whole script. */
const SESSION_ANSWERS: Record<string, AwsErrorResponse> = {
  occ: awsJsonError('OccConflictException', 'Transaction abc has not committed: the document changed.'),
  expired: awsJsonError('InvalidSessionException', 'Transaction abc has expired', undefined, {
    Code: 'Expired',
  }),
  bad: awsJsonError('BadRequestException', 'No open transaction.', undefined, { Code: 'NoTransaction' }),
  limit: awsJsonError('LimitExceededException', 'Too many sessions.'),
  rate: awsJsonError('RateExceededException', 'Slow down.'),
  capacity: awsJsonError('CapacityExceededException', 'Capacity exceeded'),
};
const CONTROL_ANSWERS: Record<string, AwsErrorResponse> = {
  missing: restJsonError('ResourceNotFoundException', 'Ledger missing does not exist.', undefined, {
    ResourceType: 'LEDGER',
    ResourceName: 'missing',
  }),
  invalid: restJsonError('InvalidParameterException', 'Name is too long.', undefined, {
    ParameterName: 'Name',
  }),
  deleting: restJsonError('ResourcePreconditionNotMetException', 'Ledger deleting is being deleted.'),
};

const seenKeys: string[] = [];
const clients: Array<{ destroy(): void }> = [];

function answerSession(body: Buffer, response: ServerResponse) {
  const command = JSON.parse(body.toString('utf8')) as { StartSession?: { LedgerName?: string } };
  const ledger = command.StartSession?.LedgerName ?? '';
  const error = SESSION_ANSWERS[ledger];
  if (error !== undefined) return sendAwsError(response, error);
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify({ StartSession: { SessionToken: `session-token-for-${ledger}` } }));
}

function answerControl(path: string, response: ServerResponse) {
  const ledger = decodeURIComponent(path.split('/')[2] ?? '');
  const error = CONTROL_ANSWERS[ledger];
  if (error !== undefined) return sendAwsError(response, error);
  response.writeHead(200, { 'content-type': 'application/json' });
  const digest = Buffer.alloc(32, 7).toString('base64');
  response.end(JSON.stringify({ Digest: digest, DigestTipAddress: { IonText: `{ledger:"${ledger}"}` } }));
}

/** The QLDB endpoint in miniature: verify the signature, then answer from the scripts above. */
function answer(request: IncomingMessage, body: Buffer, response: ServerResponse) {
  const path = request.url ?? '/';
  const protocol = path.startsWith('/ledgers/') ? 'restJson1' : 'awsJson1_0';
  const verdict = verifySigV4({ method: request.method ?? '', path, headers: request.headers, body }, KEYS);
  if (!verdict.ok) return sendAwsError(response, authFailureError(verdict, protocol));
  seenKeys.push(verdict.accessKeyId);
  return protocol === 'restJson1' ? answerControl(path, response) : answerSession(body, response);
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => answer(request, Buffer.concat(chunks), response));
});
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function clientOptions(accessKeyId: string, secretAccessKey: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 };
}

function sessionClient(accessKeyId = 'AKIDFIGWAYLEDGER', secret = 'secret-of-the-ledger-key') {
  const client = new QLDBSessionClient(clientOptions(accessKeyId, secret));
  clients.push(client);
  return client;
}

function controlClient(accessKeyId = 'AKIDFIGWAYLEDGER', secret = 'secret-of-the-ledger-key') {
  const client = new QLDBClient(clientOptions(accessKeyId, secret));
  clients.push(client);
  return client;
}

async function rejectionOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as ServiceException;
}

function startSession(ledger: string, client = sessionClient()) {
  return client.send(new SendCommandCommand({ StartSession: { LedgerName: ledger } }));
}

describe('awsJsonError and restJsonError', () => {
  it('build the headers and bodies the SDK reads', () => {
    const session = awsJsonError('OccConflictException', 'changed', undefined, { Code: 'c' });
    expect(session.status).toBe(400);
    expect(session.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': 'OccConflictException',
    });
    expect(JSON.parse(session.body)).toEqual({
      __type: 'OccConflictException',
      message: 'changed',
      Code: 'c',
    });
    expect(session.headers['content-length']).toBe(String(Buffer.byteLength(session.body)));
    const control = restJsonError('ResourceNotFoundException', 'gone');
    expect(control).toMatchObject({ status: 404, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(control.body)).toEqual({ message: 'gone' });
  });

  it('take the status QLDB uses for a type unless told otherwise', () => {
    expect(awsJsonError('CapacityExceededException', 'full').status).toBe(503);
    expect(awsJsonError('SomethingElse', 'odd').status).toBe(400);
    expect(restJsonError('ResourcePreconditionNotMetException', 'not yet').status).toBe(412);
    expect(restJsonError('ResourceNotFoundException', 'gone', 410).status).toBe(410);
  });
});

describe('QLDBSessionClient against a SigV4-verifying endpoint', () => {
  it('passes verification when signed correctly and gets its SessionToken', async () => {
    const result = await startSession('x');
    expect(result.StartSession?.SessionToken).toBe(SESSION_TOKEN);
    expect(seenKeys).toContain('AKIDFIGWAYLEDGER');
  });

  it('rejects with InvalidSignatureException (403) when signed with the wrong secret', async () => {
    const error = await rejectionOf(startSession('x', sessionClient('AKIDFIGWAYLEDGER', 'wrong-secret')));
    expect(error).toBeInstanceOf(QLDBSessionServiceException);
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/signature does not match/);
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('rejects with UnrecognizedClientException (403) for an unknown access key id', async () => {
    const error = await rejectionOf(startSession('x', sessionClient('AKIDSTRANGER', 'whatever')));
    expect(error).toBeInstanceOf(QLDBSessionServiceException);
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('lets a client whose clock is 20 minutes slow correct it and retry', async () => {
    const options = { ...clientOptions('AKIDFIGWAYLEDGER', 'secret-of-the-ledger-key'), maxAttempts: 2 };
    const client = new QLDBSessionClient({ ...options, systemClockOffset: -20 * 60_000 });
    clients.push(client);
    const result = await startSession('x', client);
    expect(result.StartSession?.SessionToken).toBe(SESSION_TOKEN);
    expect(result.$metadata.attempts).toBe(2);
  });

  it.each([
    ['occ', OccConflictException, 400],
    ['expired', InvalidSessionException, 400],
    ['bad', BadRequestException, 400],
    ['limit', LimitExceededException, 400],
    ['rate', RateExceededException, 400],
    ['capacity', CapacityExceededException, 503],
  ] as const)('turns the %s answer into the SDK class %O', async (ledger, exceptionClass, status) => {
    const error = await rejectionOf(startSession(ledger));
    const sent = JSON.parse(SESSION_ANSWERS[ledger]?.body ?? '{}') as { message: string };
    expect(error).toBeInstanceOf(exceptionClass);
    expect(error.name).toBe(exceptionClass.name);
    expect(error.message).toBe(sent.message);
    expect(error.$metadata.httpStatusCode).toBe(status);
  });

  it("keeps the modeled Code and satisfies the QLDB driver's own checks", async () => {
    const occ = await rejectionOf(startSession('occ'));
    expect(isOccConflictException(occ)).toBe(true);
    const expired = await rejectionOf(startSession('expired'));
    expect(isInvalidSessionException(expired) && isTransactionExpiredException(expired)).toBe(true);
    expect((expired as InvalidSessionException).Code).toBe('Expired');
    const bad = await rejectionOf(startSession('bad'));
    expect(isBadRequestException(bad)).toBe(true);
    expect((bad as BadRequestException).Code).toBe('NoTransaction');
  });
});

describe('QLDBClient (restJson1) against a SigV4-verifying endpoint', () => {
  it('passes verification for a ledger name that needs encoding in the path', async () => {
    const result = await controlClient().send(new GetDigestCommand({ Name: 'my ledger' }));
    expect(result.DigestTipAddress?.IonText).toBe('{ledger:"my ledger"}');
    expect(result.Digest).toEqual(new Uint8Array(32).fill(7));
  });

  it('turns ResourceNotFoundException into the SDK class with its message and members', async () => {
    const error = await rejectionOf(controlClient().send(new GetDigestCommand({ Name: 'missing' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(isResourceNotFoundException(error)).toBe(true);
    expect(error.message).toBe('Ledger missing does not exist.');
    expect((error as ResourceNotFoundException).ResourceType).toBe('LEDGER');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('turns the other control-plane answers into their SDK classes', async () => {
    const invalid = await rejectionOf(controlClient().send(new GetDigestCommand({ Name: 'invalid' })));
    expect(invalid).toBeInstanceOf(InvalidParameterException);
    expect((invalid as InvalidParameterException).ParameterName).toBe('Name');
    const deleting = await rejectionOf(controlClient().send(new GetDigestCommand({ Name: 'deleting' })));
    expect(deleting).toBeInstanceOf(ResourcePreconditionNotMetException);
    expect(deleting.$metadata.httpStatusCode).toBe(412);
  });

  it('rejects with InvalidSignatureException (403) when signed with the wrong secret', async () => {
    const client = controlClient('AKIDFIGWAYLEDGER', 'wrong-secret');
    const error = await rejectionOf(client.send(new GetDigestCommand({ Name: 'x' })));
    expect(error).toBeInstanceOf(QLDBServiceException);
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });
});
