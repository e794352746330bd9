import { randomUUID } from 'node:crypto';
import * as ion from 'ion-js';
import { blockProof } from '../../backends/ledger/blockProof.ts';
import { toBase64 } from '../../backends/ledger/ledgerHash.ts';
import {
  blockAddressIonText,
  blockIonText,
  proofIonText,
  revisionIonText,
} from '../../backends/ledger/ledgerIonText.ts';
import type { BlockAddress } from '../../backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import { readBlock, type StoredBlock } from '../../backends/ledger/readBlock.ts';
import { restJsonError } from './awsErrors.ts';

// The part of Amazon QLDB's control plane (restJson1, as @aws-sdk/client-qldb speaks
// it) that verification uses: POST /ledgers/{Name}/digest, /revision and /block.
// Addresses travel as Ion text in `{IonText}` holders, hashes as base64 or Ion blobs.

/** An HTTP request as the control plane needs it. */
export interface ControlPlaneRequest {
  method: string;
  /** The request target; a query string is ignored. */
  path: string;
  body: Buffer;
}

/** An HTTP response of the control plane: JSON, or a restJson1 error. */
export interface ControlPlaneResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The ledger served, under the name clients give in the path. */
export interface NamedLedger {
  name: string;
  ledger: Ledger;
}

const ROUTE = /^\/ledgers\/([^/]+)\/(digest|revision|block)$/;

/** A request parameter the operation refuses (QLDB's InvalidParameterException). */
class InvalidParameter extends Error {
  readonly parameterName: string;
  constructor(parameterName: string, message: string) {
    super(message);
    this.parameterName = parameterName;
  }
}

function ok(body: unknown): ControlPlaneResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

function parseBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidParameter('body', `The request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidParameter('body', 'The request body is not a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function loadAddressText(text: string, parameter: string): ion.dom.Value {
  try {
    const values = ion.loadAll(text);
    if (values.length === 1 && values[0] !== undefined) return values[0];
  } catch (error) {
    throw new InvalidParameter(parameter, `${parameter} is not Ion text: ${(error as Error).message}`);
  }
  throw new InvalidParameter(parameter, `${parameter} must hold exactly one Ion value.`);
}

const TEXT = new Set<ion.IonType>([ion.IonTypes.STRING, ion.IonTypes.SYMBOL]);

/** `{IonText: "{strandId:\"...\",sequenceNo:N}"}` to an address; undefined when absent and optional. */
function parseAddress(holder: unknown, parameter: string): BlockAddress | undefined {
  if (holder === undefined || holder === null) return undefined;
  const text = (holder as { IonText?: unknown }).IonText;
  if (typeof text !== 'string')
    throw new InvalidParameter(parameter, `${parameter}.IonText must be a string.`);
  const value = loadAddressText(text, parameter);
  const struct = value.getType() === ion.IonTypes.STRUCT && !value.isNull();
  const strand = struct ? value.get('strandId') : null;
  const sequence = struct ? value.get('sequenceNo') : null;
  const strandId = strand !== null && TEXT.has(strand.getType()) ? strand.stringValue() : null;
  const sequenceNo = sequence?.getType() === ion.IonTypes.INT ? sequence.numberValue() : null;
  if (
    typeof strandId !== 'string' ||
    typeof sequenceNo !== 'number' ||
    !Number.isSafeInteger(sequenceNo) ||
    sequenceNo < 0
  ) {
    throw new InvalidParameter(
      parameter,
      `${parameter} must be {strandId: <string>, sequenceNo: <non-negative int>}, not ${text}.`,
    );
  }
  return { strandId, sequenceNo };
}

function required<T>(value: T | undefined, parameter: string): T {
  if (value === undefined) throw new InvalidParameter(parameter, `${parameter} is required.`);
  return value;
}

// A tip must be a block the journal has; a block must be at or before the tip it is proven to.
async function checkTip(ledger: Ledger, tip: BlockAddress): Promise<void> {
  const digest = await ledger.getDigest();
  if (digest === null || tip.strandId !== digest.tipAddress.strandId) {
    throw new InvalidParameter('DigestTipAddress', `The journal has no strand ${tip.strandId}.`);
  }
  if (tip.sequenceNo > digest.tipAddress.sequenceNo) {
    throw new InvalidParameter(
      'DigestTipAddress',
      `Block ${tip.sequenceNo} is beyond the journal's tip, block ${digest.tipAddress.sequenceNo}.`,
    );
  }
}

function checkWithinTip(address: BlockAddress, tip: BlockAddress): void {
  if (address.strandId !== tip.strandId || address.sequenceNo > tip.sequenceNo) {
    throw new InvalidParameter(
      'BlockAddress',
      'The block must be on the tip’s strand and at or before the tip.',
    );
  }
}

async function readExistingBlock(ledger: Ledger, address: BlockAddress): Promise<StoredBlock> {
  const block = await readBlock(ledger.db, address);
  if (block === null) {
    throw new InvalidParameter('BlockAddress', `The journal has no block ${blockAddressIonText(address)}.`);
  }
  return block;
}

/** GetDigest: the digest of the journal at its tip, and the tip's address. */
async function getDigest(ledger: Ledger): Promise<ControlPlaneResponse> {
  const digest = await ledger.getDigest();
  if (digest === null) {
    const message = 'The ledger has no block yet, so it has no digest.';
    return restJsonError('ResourcePreconditionNotMetException', message, 412, { ResourceType: 'LEDGER' });
  }
  return ok({
    Digest: toBase64(digest.digest),
    DigestTipAddress: { IonText: blockAddressIonText(digest.tipAddress) },
  });
}

/** GetRevision: a document's revision in a block, with its proof to the digest at the tip. */
async function getRevision(ledger: Ledger, body: Record<string, unknown>): Promise<ControlPlaneResponse> {
  const address = required(parseAddress(body.BlockAddress, 'BlockAddress'), 'BlockAddress');
  const tip = required(parseAddress(body.DigestTipAddress, 'DigestTipAddress'), 'DigestTipAddress');
  const documentId = body.DocumentId;
  if (typeof documentId !== 'string' || documentId === '') {
    throw new InvalidParameter('DocumentId', 'DocumentId must be a non-empty string.');
  }
  await checkTip(ledger, tip);
  checkWithinTip(address, tip);
  const block = await readExistingBlock(ledger, address);
  // Several versions of a document may share a block (a backfill); the newest is meant.
  const revision = block.revisions.findLast((entry) => entry.metadata.id === documentId);
  if (revision === undefined) {
    throw new InvalidParameter(
      'DocumentId',
      `Block ${address.sequenceNo} holds no revision of ${documentId}.`,
    );
  }
  const proof = await ledger.getRevisionProof(
    address,
    documentId,
    tip,
    revision.metadata.version,
    revision.tableName,
  );
  return ok({
    Proof: { IonText: proofIonText(proof) },
    Revision: { IonText: revisionIonText(revision) },
  });
}

/** GetBlock: a block and, when a tip is given, its proof to the digest at that tip. */
async function getBlock(ledger: Ledger, body: Record<string, unknown>): Promise<ControlPlaneResponse> {
  const address = required(parseAddress(body.BlockAddress, 'BlockAddress'), 'BlockAddress');
  const tip = parseAddress(body.DigestTipAddress, 'DigestTipAddress');
  if (tip !== undefined) {
    await checkTip(ledger, tip);
    checkWithinTip(address, tip);
  }
  const block = await readExistingBlock(ledger, address);
  const proof =
    tip === undefined ? {} : { Proof: { IonText: proofIonText(await blockProof(ledger.db, address, tip)) } };
  return ok({ Block: { IonText: blockIonText(block) }, ...proof });
}

/**
 * Answers QLDB's GetDigest, GetRevision and GetBlock for `ledgers` (the digests and
 * proofs are the ledger's own, those verifyCommitment checks). Null when the request
 * is not one of those routes. Bad input gets InvalidParameterException and another
 * ledger name ResourceNotFoundException; anything else, such as the
 * LedgerTamperedError of a block that no longer matches its hashes, is thrown to the
 * caller, which logs it and answers a 500.
 */
export async function handleQldbControlPlane(
  input: ControlPlaneRequest,
  ledgers: NamedLedger,
): Promise<ControlPlaneResponse | null> {
  const match = ROUTE.exec(input.path.split('?')[0] ?? '');
  if (match === null || input.method !== 'POST') return null;
  const [, encodedName = '', operation] = match;
  try {
    const name = decodeURIComponent(encodedName);
    if (name !== ledgers.name) {
      return restJsonError('ResourceNotFoundException', `No ledger named ${name}.`, 404, {
        ResourceType: 'LEDGER',
        ResourceName: name,
      });
    }
    const body = parseBody(input.body);
    if (operation === 'digest') return await getDigest(ledgers.ledger);
    if (operation === 'revision') return await getRevision(ledgers.ledger, body);
    return await getBlock(ledgers.ledger, body);
  } catch (error) {
    if (error instanceof InvalidParameter) {
      return restJsonError('InvalidParameterException', error.message, 400, {
        ParameterName: error.parameterName,
      });
    }
    if (error instanceof URIError) {
      return restJsonError('InvalidParameterException', error.message, 400, { ParameterName: 'Name' });
    }
    throw error;
  }
}
