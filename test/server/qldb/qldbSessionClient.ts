import { createHash } from 'node:crypto';
import {
  QLDBSessionClient,
  SendCommandCommand,
  type SendCommandCommandInput,
} from '@aws-sdk/client-qldb-session';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import * as ion from 'ion-js';
import { expect } from 'vitest';

/** The ledger name the QLDB endpoint tests serve. */
export const LEDGER = 'connect-commitments-ledger';
/** The key the QLDB endpoint tests sign with. */
export const KEY = { accessKeyId: 'AKIAFIGWAYINPUT', secretAccessKey: 'secret-of-the-input-test-key' };
/** The endpoint's keys: {@link KEY} only. */
export const keys = new Map([[KEY.accessKeyId, KEY.secretAccessKey]]);
/** The headers of a SendCommand request. */
export const SEND_COMMAND = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'QLDBSession.SendCommand',
};

// QLDB's commit digest, computed here with ion-hash-js as the QLDB driver computes it.
function ionHash(ionData: Uint8Array | string): Uint8Array {
  const reader = makeHashReader(ion.makeReader(ionData), cryptoHasherProvider('sha256'));
  reader.next();
  reader.next();
  return reader.digest();
}

/** The Ion hash of a string value (a statement, a transaction id). */
export const ionHashOfString = (text: string) => ionHash(ion.dumpText(text));

/** QLDB's order of two hashes: signed bytes, compared from the last byte to the first. */
function compareHashes(a: Uint8Array, b: Uint8Array): number {
  for (let i = a.length - 1; i >= 0; i--) {
    const difference = (((a[i] ?? 0) << 24) >> 24) - (((b[i] ?? 0) << 24) >> 24);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** QLDB's dot of two hashes: the SHA-256 of both, the lesser first. */
export function dot(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [first, second] = compareHashes(a, b) < 0 ? [a, b] : [b, a];
  return createHash('sha256').update(first).update(second).digest();
}

/** A statement's hash in the commit digest: its text's, dotted with each parameter's. */
export const statementHash = (statement: string, parameters: Uint8Array[]) =>
  parameters.reduce((hash, parameter) => dot(hash, ionHash(parameter)), ionHashOfString(statement));

/** An open transaction as the client tracks it: its session, its id and the commit digest so far. */
export type Transaction = { token: string; id: string; digest: Uint8Array };

/**
 * A QLDBSession client that tracks each transaction's commit digest as the QLDB driver
 * does (`Transaction._sendExecute`): a statement joins the digest before it is sent,
 * and stays in it whether it runs or is refused.
 */
export function connect(endpoint: string, secretAccessKey = KEY.secretAccessKey) {
  const credentials = { accessKeyId: KEY.accessKeyId, secretAccessKey };
  const client = new QLDBSessionClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const send = (input: SendCommandCommandInput) => client.send(new SendCommandCommand(input));
  return {
    client,
    send,
    async begin(): Promise<Transaction> {
      const token = (await send({ StartSession: { LedgerName: LEDGER } })).StartSession?.SessionToken ?? '';
      const id =
        (await send({ SessionToken: token, StartTransaction: {} })).StartTransaction?.TransactionId ?? '';
      return { token, id, digest: ionHashOfString(id) };
    },
    async execute(txn: Transaction, Statement: string, ...params: Uint8Array[]) {
      txn.digest = dot(txn.digest, statementHash(Statement, params));
      return this.sendStatement(txn, Statement, ...params);
    },
    /** Sends a statement without counting it in the digest: one the driver never sends (a parameter that is not Ion). */
    async sendStatement(txn: Transaction, Statement: string, ...params: Uint8Array[]) {
      const Parameters = params.map((IonBinary) => ({ IonBinary }));
      const command = { TransactionId: txn.id, Statement, Parameters };
      const answer = await send({ SessionToken: txn.token, ExecuteStatement: command });
      return answer.ExecuteStatement?.FirstPage;
    },
    commit: (txn: Transaction, CommitDigest = txn.digest) =>
      send({ SessionToken: txn.token, CommitTransaction: { TransactionId: txn.id, CommitDigest } }),
  };
}

/** Expects `promise` to reject with an instance of `type` (whose message matches `message`) and returns the error. */
export async function refusal<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  message: RegExp = /./,
): Promise<E> {
  await expect(promise).rejects.toBeInstanceOf(type);
  await expect(promise).rejects.toThrow(message);
  return promise.catch((error: unknown) => error) as Promise<E>;
}

const sha256 = Hash.bind(null, 'sha256');
const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: 'qldb', sha256 });

/** Sends `body` to SendCommand signed with the SDK's own signer: the SDK cannot send a body that is not JSON. */
export async function signedFetch(url: string, body: string): Promise<Response> {
  const { hostname, port, host } = new URL(url);
  const headers = { host, ...SEND_COMMAND };
  const request = new HttpRequest({ method: 'POST', hostname, port: Number(port), path: '/', headers, body });
  const { host: _host, ...signed } = (await signer.sign(request)).headers;
  return fetch(url, { method: 'POST', headers: signed, body });
}

/** Expects an AWS JSON error answer of `type` with `status`; returns its message. */
export async function expectAwsError(response: Response, status: number, type: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('x-amzn-errortype')).toBe(type);
  const body = (await response.json()) as { __type: string; message: string };
  expect(body.__type).toBe(type);
  return body.message;
}
