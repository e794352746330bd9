import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetBlockCommand,
  GetDigestCommand,
  GetRevisionCommand,
  InvalidParameterException,
  QLDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-qldb';
import * as ion from 'ion-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { LedgerRevision, LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { handleQldbControlPlane } from '../../../src/server/qldb/qldbControlPlane.ts';
import { awsSampleBlockProblem } from '../../backends/ledger/awsSampleBlockCheck.ts';
import {
  dot,
  foldProof,
  ionHashOfIonBytes,
  merkleRootOf,
} from '../../backends/ledger/independentVerifier.ts';
import { openTestLedger, steppingClock } from '../../backends/ledger/ledgerFixture.ts';

const engines = await testEngines();

// The independent verifier of the ledger tests (written from QLDB's documentation, not
// from src/): dot, proofs folded left to right, Merkle roots, and a value's Ion hash
// as a QLDB client recomputes it from the Ion text the server printed.
const fold = foldProof;
const merkleRoot = merkleRootOf;
const ionHash = (value: ion.dom.Value) => ionHashOfIonBytes(ion.dumpBinary(value));

const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');
const field = (value: ion.dom.Value, name: string) => value.get(name) as ion.dom.Value;
const blobs = (text: string | undefined) =>
  (ion.load(text ?? '') as ion.dom.Value)
    .elements()
    .map((element) => element.uInt8ArrayValue() as Uint8Array);
const addressText = (address: { strandId: string; sequenceNo: number }) =>
  `{strandId:"${address.strandId}",sequenceNo:${address.sequenceNo}}`;

/** Serves the control plane for `ledger` as `figway` on a free port; other routes answer 404. */
async function serve(ledger: Ledger): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const input = { method: request.method ?? '', path: request.url ?? '/', body: Buffer.concat(chunks) };
      handleQldbControlPlane(input, { name: 'figway', ledger })
        .then((answer) => {
          if (answer === null) response.writeHead(404).end();
          else response.writeHead(answer.status, answer.headers).end(answer.body);
        })
        .catch((error: unknown) => response.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.each(engines)('handleQldbControlPlane ($name)', (engine) => {
  let ledger: Ledger;
  let drop: () => Promise<void>;
  let server: Server;
  let client: QLDBClient;
  const written: LedgerRevision[] = [];

  beforeAll(async () => {
    ({ ledger, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
    const documents = ['doc-a', 'doc-b', 'doc-c', 'doc-d', 'doc-e'];
    for (const [index, id] of documents.entries()) {
      const data = { title: `commitment ${index}`, amount: 1.5 + index, count: index, tags: ['x', id] };
      const writes: LedgerWrite[] = [
        { tableName: 'commitments', documentId: id, data, expectedVersion: null },
      ];
      // One block with three revisions, so a block's revisions tree carries one up.
      if (index === 2)
        writes.push(
          { tableName: 'notes', documentId: 'note-1', data: { big: 1e21 }, expectedVersion: null },
          { tableName: 'notes', documentId: 'note-2', data: { small: -0.5 }, expectedVersion: null },
        );
      written.push(...(await ledger.write(writes)).revisions);
    }
    const update = { title: 'commitment 0, amended', amount: 9.25, count: 0, tags: [] };
    const amend = { tableName: 'commitments', documentId: 'doc-a', data: update, expectedVersion: 0 };
    written.push(...(await ledger.write([amend])).revisions);
    let endpoint: string;
    ({ server, endpoint } = await serve(ledger));
    client = new QLDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await drop?.();
  });

  async function digestOf() {
    const answer = await client.send(new GetDigestCommand({ Name: 'figway' }));
    return { digest: answer.Digest as Uint8Array, tipText: answer.DigestTipAddress?.IonText ?? '' };
  }

  describe('GetDigest', () => {
    it("returns the ledger's digest and its tip address as Ion", async () => {
      const expected = await ledger.getDigest();
      const { digest, tipText } = await digestOf();
      expect(hex(digest)).toBe(hex(expected?.digest));
      const tip = ion.load(tipText) as ion.dom.Value;
      expect(field(tip, 'strandId').stringValue()).toBe(expected?.tipAddress.strandId);
      expect(field(tip, 'sequenceNo').numberValue()).toBe(expected?.tipAddress.sequenceNo);
      expect(field(tip, 'sequenceNo').numberValue()).toBe(5);
    });
  });

  describe('GetRevision', () => {
    it('returns each revision with a proof the independent verifier folds into the digest', async () => {
      const { digest, tipText } = await digestOf();
      for (const stored of written) {
        const answer = await client.send(
          new GetRevisionCommand({
            Name: 'figway',
            BlockAddress: { IonText: addressText(stored.blockAddress) },
            DocumentId: stored.metadata.id,
            DigestTipAddress: { IonText: tipText },
          }),
        );
        const revision = ion.load(answer.Revision?.IonText ?? '') as ion.dom.Value;
        const hash = field(revision, 'hash').uInt8ArrayValue() as Uint8Array;
        // The hash is the one the ledger stored, and recomputes from the printed Ion.
        expect(hex(hash)).toBe(hex(stored.hash));
        expect(hex(dot(ionHash(field(revision, 'metadata')), ionHash(field(revision, 'data'))))).toBe(
          hex(hash),
        );
        expect(field(field(revision, 'metadata'), 'version').numberValue()).toBe(stored.metadata.version);
        expect(JSON.parse(JSON.stringify(field(revision, 'data')))).toEqual(stored.data);
        expect(hex(fold(hash, blobs(answer.Proof?.IonText)))).toBe(hex(digest));
      }
    });

    it('proves a revision to an earlier tip, giving the digest the journal had then', async () => {
      const first = written[0] as LedgerRevision;
      const tip = { strandId: first.blockAddress.strandId, sequenceNo: 2 };
      const answer = await client.send(
        new GetRevisionCommand({
          Name: 'figway',
          BlockAddress: { IonText: addressText(first.blockAddress) },
          DocumentId: first.metadata.id,
          DigestTipAddress: { IonText: addressText(tip) },
        }),
      );
      const proof = blobs(answer.Proof?.IonText);
      expect(hex(fold(first.hash, proof))).toBe(hex(await ledger.getDigestAt(tip)));
    });
  });

  describe('GetBlock', () => {
    it('returns each block with a proof the independent verifier folds into the digest', async () => {
      const { digest, tipText } = await digestOf();
      const addresses = [
        ...new Map(written.map((r) => [r.blockAddress.sequenceNo, r.blockAddress])).values(),
      ];
      expect(addresses).toHaveLength(6);
      for (const address of addresses) {
        const answer = await client.send(
          new GetBlockCommand({
            Name: 'figway',
            BlockAddress: { IonText: addressText(address) },
            DigestTipAddress: { IonText: tipText },
          }),
        );
        const block = ion.load(answer.Block?.IonText ?? '') as ion.dom.Value;
        const blockHash = field(block, 'blockHash').uInt8ArrayValue() as Uint8Array;
        const entriesHash = field(block, 'entriesHash').uInt8ArrayValue() as Uint8Array;
        const previous = field(block, 'previousBlockHash').uInt8ArrayValue() as Uint8Array;
        const entries = field(block, 'entriesHashList')
          .elements()
          .map((e) => e.uInt8ArrayValue() as Uint8Array);
        expect(hex(merkleRoot(entries))).toBe(hex(entriesHash));
        expect(hex(dot(entriesHash, previous))).toBe(hex(blockHash));
        // Blocks written now are in QLDB's layout (block format 3): the Merkle root of the
        // revisions' hashes, then the Ion hash of the transaction info, {statements: [],
        // documents: {<id>: ...}}, last; AWS's sample block check accepts them.
        const info = field(block, 'transactionInfo');
        expect(info.get('statements')?.elements()).toEqual([]);
        const revisionHashes = field(block, 'revisions')
          .elements()
          .map((r) => field(r, 'hash').uInt8ArrayValue() as Uint8Array);
        expect(entries.map(hex)).toEqual([hex(merkleRoot(revisionHashes)), hex(ionHash(info))]);
        expect(awsSampleBlockProblem(block)).toBeNull();
        expect(hex(fold(blockHash, blobs(answer.Proof?.IonText)))).toBe(hex(digest));
      }
    });

    it('returns a block without a proof when no tip is given', async () => {
      const address = (written[1] as LedgerRevision).blockAddress;
      const answer = await client.send(
        new GetBlockCommand({ Name: 'figway', BlockAddress: { IonText: addressText(address) } }),
      );
      expect(answer.Proof).toBeUndefined();
      const block = ion.load(answer.Block?.IonText ?? '') as ion.dom.Value;
      expect(field(field(block, 'blockAddress'), 'sequenceNo').numberValue()).toBe(address.sequenceNo);
    });
  });

  describe('errors', () => {
    const tipOf = async () => (await digestOf()).tipText;

    it('answers ResourceNotFoundException for an unknown ledger name', async () => {
      const failure = client.send(new GetDigestCommand({ Name: 'no-such-ledger' }));
      await expect(failure).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(failure).rejects.toMatchObject({ ResourceName: 'no-such-ledger' });
    });

    it('answers InvalidParameterException for a document the block does not hold', async () => {
      const first = written[0] as LedgerRevision;
      const failure = client.send(
        new GetRevisionCommand({
          Name: 'figway',
          BlockAddress: { IonText: addressText(first.blockAddress) },
          DocumentId: 'no-such-document',
          DigestTipAddress: { IonText: await tipOf() },
        }),
      );
      await expect(failure).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(failure).rejects.toMatchObject({ ParameterName: 'DocumentId' });
    });

    it.each([
      ['not Ion at all', '{strandId:'],
      ['a struct without a sequence number', '{strandId:"x"}'],
      ['a negative sequence number', '{strandId:"x",sequenceNo:-1}'],
      ['a list', '[1,2]'],
    ])('answers InvalidParameterException for a block address that is %s', async (_, text) => {
      const failure = client.send(new GetBlockCommand({ Name: 'figway', BlockAddress: { IonText: text } }));
      await expect(failure).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(failure).rejects.toMatchObject({ ParameterName: 'BlockAddress' });
    });

    it('answers InvalidParameterException for a tip beyond the journal', async () => {
      const first = written[0] as LedgerRevision;
      const beyond = { strandId: first.blockAddress.strandId, sequenceNo: 99 };
      const failure = client.send(
        new GetBlockCommand({
          Name: 'figway',
          BlockAddress: { IonText: addressText(first.blockAddress) },
          DigestTipAddress: { IonText: addressText(beyond) },
        }),
      );
      await expect(failure).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(failure).rejects.toMatchObject({ ParameterName: 'DigestTipAddress' });
    });
  });
});
