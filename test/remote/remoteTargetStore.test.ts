import { buildSchema, parse, validate } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { describe, expect, it } from 'vitest';
import { LEDGER_OPERATIONS, OLTP_OPERATIONS } from '../../src/backends/remote/remoteOperations.ts';
import { withWriteIntent } from '../../src/core/writeIntent.ts';
import { serviceCostEstimator } from '../../src/services/serviceCostEstimator.ts';
import { SERVICE_QUERY_LIMITS } from '../../src/services/serviceQueryLimits.ts';
import { readTargetContract } from '../../src/services/targetContract.ts';
import {
  ALICE,
  ALICE_AND_CAROL,
  BOB,
  BOB_AND_DAVE,
  DAVE,
  LOAN,
  ledger,
  oltp,
  outboxRows,
  remote,
  sent,
  sentTo,
  sqlOnLedger,
  tokens,
  UNKNOWN,
  useRemoteTargetServices,
  verify,
  viewers,
} from './remoteTargetFixture.ts';

// The gateway's target side over the two target services, as processes on PostgreSQL: batching, callers' tokens, visibility, the write intent, contract-valid operations.
useRemoteTargetServices();

describe('the remote target store', () => {
  it("sends one tick's reads to each service as one HTTP request, with the caller's token", async () => {
    const page = await remote.store.listCommitments(viewers.alice, { status: null, limit: 10, after: null });
    expect(page.length).toBe(10);
    sent.length = 0;
    const ids = page.map((commitment) => commitment.id);
    const [parties, documents, types, profiles] = await Promise.all([
      remote.store.partiesByCommitmentIds(viewers.alice, ids),
      remote.store.documentsByCommitmentIds(viewers.alice, ids),
      remote.store.commitmentTypesByIds(viewers.alice, [
        ...new Set(page.map((commitment) => commitment.typeId)),
      ]),
      remote.store.profilesByIds(viewers.alice, [ALICE, BOB]),
    ]);
    expect(new Set(parties.map((party) => party.commitmentId))).toEqual(new Set(ids));
    expect(documents.every((document) => ids.includes(document.commitmentId))).toBe(true);
    expect(types.map((type) => type.id)).toContain(page[0]?.typeId);
    expect(profiles.map((profile) => profile.username).sort()).toEqual(['alice', 'bob']);
    expect(sentTo(ledger)).toHaveLength(1);
    expect(sentTo(oltp)).toHaveLength(1);
    expect(sent.map((request) => request.authorization)).toEqual([
      `Bearer ${tokens.alice}`,
      `Bearer ${tokens.alice}`,
    ]);
  });

  it('reads the parties and documents of a page and of commitments by id with them, in the same request', async () => {
    sent.length = 0;
    const page = await remote.store.listCommitments(viewers.alice, { status: null, limit: 10, after: null });
    const [byId] = await remote.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL]);
    expect(sentTo(ledger)).toHaveLength(2);
    const ids = page.map((commitment) => commitment.id);
    const [parties, documents] = await Promise.all([
      remote.store.partiesByCommitmentIds(viewers.alice, ids),
      remote.store.documentsByCommitmentIds(viewers.alice, ids),
    ]);
    const partsOf = remote.store.partsOf;
    if (partsOf === undefined || byId === undefined) throw new Error('no parts on the remote store');
    expect(page.flatMap((commitment) => partsOf(commitment)?.parties ?? [])).toEqual(
      ids.flatMap((id) => parties.filter((party) => party.commitmentId === id)),
    );
    expect(page.flatMap((commitment) => partsOf(commitment)?.documents ?? [])).toEqual(
      ids.flatMap((id) => documents.filter((document) => document.commitmentId === id)),
    );
    expect(parties.length).toBeGreaterThan(page.length);
    expect(partsOf(byId)?.parties.map((party) => party.profileId)).toContain(ALICE);
    // The record's own fields are the commitment's alone, as the in-process ledger's are.
    expect(Object.keys(byId).sort()).toEqual(Object.keys(page[0] ?? {}).sort());
    expect(byId).not.toHaveProperty('parties');
  });

  it('sends the reads of one macrotask to a service as one HTTP request, however many ticks apart', async () => {
    sent.length = 0;
    const types = remote.store.commitmentTypesByIds(viewers.alice, [LOAN]);
    // The gateway's next resolver level asks a few ticks later, before any I/O.
    for (let tick = 0; tick < 20; tick++) await new Promise<void>((resolve) => process.nextTick(resolve));
    const profiles = remote.store.profilesByIds(viewers.alice, [ALICE]);
    expect((await types).map((type) => type.id)).toEqual([LOAN]);
    expect((await profiles).map((profile) => profile.id)).toEqual([ALICE]);
    expect(sentTo(oltp)).toHaveLength(1);
    expect(sentTo(oltp)[0]?.body).toMatch(/commitmentTypesByIds.*profilesByIds/);
  });

  it("sends every operation as its service's contract defines it", async () => {
    const contracts = {
      ledger: buildSchema(await readTargetContract('ledger')),
      oltp: buildSchema(await readTargetContract('oltp')),
    };
    const operations = { ledger: LEDGER_OPERATIONS, oltp: OLTP_OPERATIONS };
    for (const service of ['ledger', 'oltp'] as const)
      for (const [name, document] of Object.entries(operations[service]))
        expect({ name, errors: validate(contracts[service], document).map(String) }).toEqual({
          name,
          errors: [],
        });
  });

  it('sends identical concurrent reads of two callers as two requests, never one shared answer', async () => {
    const again = await verify()(`Bearer ${tokens.alice}`);
    sent.length = 0;
    const [first, second] = await Promise.all([
      remote.store.profilesByIds(viewers.alice, [DAVE]),
      remote.store.profilesByIds(again, [DAVE]),
    ]);
    expect(first).toEqual(second);
    expect(sentTo(oltp)).toHaveLength(2);
    expect(sentTo(oltp)[0]?.body).toBe(sentTo(oltp)[1]?.body);
  });

  it("answers each call merged into one request with its own result when another's root field fails", async () => {
    sent.length = 0;
    const badPage = remote.store.listCommitments(viewers.alice, {
      status: null,
      limit: 5,
      after: { createdAt: '2026-01-01T00:00:00.000Z', id: 'not-a-uuid' },
    });
    const byId = remote.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL]);
    await expect(badPage).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', backend: 'ledger' },
    });
    expect((await byId).map((commitment) => commitment.id)).toEqual([ALICE_AND_CAROL]);
    // The merged request failed as a whole; the call that did not fail was asked again alone.
    expect(sentTo(ledger).map((request) => /listCommitments|commitments\(/.test(request.body))).toEqual([
      true,
      false,
    ]);
  });

  it('never merges the reads of two anonymous requests, nor of two requests with one token', async () => {
    const [first, second] = [await verify()(undefined), await verify()(undefined)];
    expect(first).not.toBe(second);
    sent.length = 0;
    const [types, again] = await Promise.all([
      remote.store.listCommitmentTypes(first),
      remote.store.listCommitmentTypes(second),
    ]);
    expect(types).toEqual(again);
    expect(sentTo(oltp)).toHaveLength(2);
    expect(sentTo(oltp).map((request) => request.authorization)).toEqual([null, null]);
  });

  it("keeps one tick's reads at their largest (a page of 101, 1000 keys each) under the services' cost limit", async () => {
    const ids = Array.from(
      { length: 1000 },
      (_, index) => `c0000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
    );
    sent.length = 0;
    const [page, commitments, parties, documents] = await Promise.all([
      remote.store.listCommitments(viewers.alice, { status: null, limit: 101, after: null }),
      remote.store.commitmentsByIds(viewers.alice, ids),
      remote.store.partiesByCommitmentIds(viewers.alice, ids),
      remote.store.documentsByCommitmentIds(viewers.alice, ids),
      remote.store.profilesByIds(viewers.alice, ids),
      remote.store.commitmentTypesByIds(viewers.alice, ids),
    ]);
    expect(page.length).toBeGreaterThan(0);
    expect(commitments.map((commitment) => commitment.id)).toContain(ALICE_AND_CAROL);
    expect(parties.length).toBeGreaterThan(0);
    expect(documents.length).toBeGreaterThan(0);
    // Priced as the services price them: the ledger's one request is under the limit (about
    // 32,000 for the page and the commitments with their parts; 48,000 with the parties and
    // documents of 1000 commitments that came without them, as written ones do).
    const schemas = {
      [ledger.url]: buildSchema(await readTargetContract('ledger')),
      [oltp.url]: buildSchema(await readTargetContract('oltp')),
    };
    const costs = sent.map((request) => {
      const body = JSON.parse(request.body) as { query: string; variables?: Record<string, unknown> };
      const schema = schemas[request.url];
      if (schema === undefined) throw new Error(`sent to ${request.url}`);
      return getComplexity({
        schema,
        query: parse(body.query),
        variables: body.variables ?? {},
        estimators: [serviceCostEstimator(SERVICE_QUERY_LIMITS.assumedListSize)],
      });
    });
    expect(sentTo(ledger)).toHaveLength(1);
    expect(Math.max(...costs)).toBeGreaterThan(40_000);
    expect(Math.max(...costs)).toBeLessThanOrEqual(SERVICE_QUERY_LIMITS.maxCost);
  });

  it("shows bob none of alice's commitments, and what a service refuses keeps its code", async () => {
    expect(await remote.store.commitmentsByIds(viewers.bob, [ALICE_AND_CAROL, BOB_AND_DAVE])).toEqual([
      expect.objectContaining({ id: BOB_AND_DAVE }),
    ]);
    expect((await remote.store.commitmentsByIds(viewers.alice, [ALICE_AND_CAROL]))[0]?.createdBy).toBe(ALICE);
    await expect(
      remote.store.attachDocument(viewers.bob, ALICE_AND_CAROL, 'a.pdf', 'https://x.test/a.pdf'),
    ).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN', backend: 'ledger' },
    });
    await expect(remote.store.addParty(viewers.bob, BOB_AND_DAVE, DAVE, 'WITNESS')).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
    await expect(
      remote.store.createCommitment(viewers.alice, {
        title: 'No such type',
        description: '',
        typeId: UNKNOWN,
        terms: '',
      }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it("commits a write's outbox row when it carries a mirroring write intent, and none without", async () => {
    const input = { description: '', typeId: LOAN, terms: '' };
    const mirrored = await withWriteIntent(
      { unit: 'Mutation.createCommitment', stage: 'live', mirrorTo: 'legacy' },
      () => remote.store.createCommitment(viewers.alice, { ...input, title: 'Mirrored to legacy' }),
    );
    const alone = await withWriteIntent(
      { unit: 'Mutation.createCommitment', stage: 'complete', mirrorTo: null },
      () => remote.store.createCommitment(viewers.alice, { ...input, title: 'Target only' }),
    );
    expect(await outboxRows(mirrored.id)).toEqual([{ unit: 'Mutation.createCommitment', stage: 'live' }]);
    expect(await outboxRows(alone.id)).toEqual([]);
  });
});

describe('the ledger service and the write intent header', () => {
  it('refuses a write whose figway-write-intent it cannot read, and writes nothing', async () => {
    const count = async () => Number((await sqlOnLedger('select count(*) as n from ledger.revisions'))[0]?.n);
    const before = await count();
    const response = await fetch(ledger.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokens.alice}`,
        'figway-write-intent': 'Mutation.createCommitment; sideways',
      },
      body: JSON.stringify({
        query: `mutation { createCommitment(input: { title: "Refused", typeId: "${LOAN}" }) { id } }`,
      }),
    });
    const body = (await response.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(response.status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/"sideways", not a stage/),
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(await count()).toBe(before);
  });
});
