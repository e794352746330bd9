import { describe, expect, it } from 'vitest';
import {
  ALICE,
  ALICE_AND_CAROL,
  BOB,
  commitmentsByIds,
  LOAN,
  metricsText,
  revisionCount,
  service,
  tokens,
  useLedgerService,
} from './ledgerServiceFixture.ts';
import { errorCodes, post } from './serviceProcess.ts';

// Writes through figway service ledger as a process on PostgreSQL, bad input, and the limits of what one request may ask.
useLedgerService();

describe('writes through the ledger service', () => {
  it('creates a commitment, moves its status, seats a party and attaches a document', async () => {
    const created = await post(
      service.url,
      `mutation { createCommitment(input: { title: "Bike loan", typeId: "${LOAN}" }) { id status version createdBy { id } parties { role profile { id } } } }`,
      { token: tokens.alice },
    );
    expect(created.body.errors).toBeUndefined();
    const commitment = created.body.data?.createCommitment as { id: string; status: string; version: number };
    expect(commitment).toMatchObject({ status: 'DRAFT', version: 1, createdBy: { id: ALICE } });
    const { id } = commitment;

    const moved = await post(
      service.url,
      `mutation { updateCommitmentStatus(id: "${id}", from: DRAFT, to: PROPOSED) { status version } }`,
      { token: tokens.alice },
    );
    expect(moved.body).toEqual({ data: { updateCommitmentStatus: { status: 'PROPOSED', version: 2 } } });
    const stale = await post(
      service.url,
      `mutation { updateCommitmentStatus(id: "${id}", from: DRAFT, to: CANCELLED) { status } }`,
      { token: tokens.alice },
    );
    expect(stale.body).toEqual({ data: { updateCommitmentStatus: null } });

    const seat = `mutation { addParty(commitmentId: "${id}", profileId: "${BOB}", role: PARTICIPANT) { commitmentId role profile { id } } }`;
    const seated = await post(service.url, seat, { token: tokens.alice });
    expect(seated.body).toEqual({
      data: { addParty: { commitmentId: id, role: 'PARTICIPANT', profile: { id: BOB } } },
    });
    expect(errorCodes(await post(service.url, seat, { token: tokens.alice }))).toEqual(['CONFLICT']);

    const attached = await post(
      service.url,
      `mutation { attachDocument(commitmentId: "${id}", input: { name: "loan.pdf", url: "https://example.com/l" }) { name version uploadedBy { id } } }`,
      { token: tokens.bob },
    );
    expect(attached.body).toEqual({
      data: { attachDocument: { name: 'loan.pdf', version: 1, uploadedBy: { id: BOB } } },
    });

    // Bob, now a party, sees it with every change, each a revision of its own.
    const [seen] = await commitmentsByIds([id], tokens.bob);
    expect(seen?.status).toBe('PROPOSED');
    expect(seen?.parties.map((party) => party.profile.id)).toEqual([ALICE, BOB]);
    expect(seen?.history.map((revision) => revision.commitment.status)).toEqual([
      'DRAFT',
      'PROPOSED',
      'PROPOSED',
      'PROPOSED',
    ]);
    expect(await metricsText()).toMatch(
      /^figway_service_requests_total\{service="ledger",operation="mutation",outcome="ok"\} [1-9]/m,
    );
  });

  it('refuses bad input with BAD_USER_INPUT before anything is written', async () => {
    const before = await revisionCount();
    const tooMany = Array.from(
      { length: 1001 },
      (_, index) => `c0000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const cases: Array<[string, Record<string, unknown>]> = [
      [`mutation { createCommitment(input: { title: "", typeId: "${LOAN}" }) { id } }`, {}],
      [`mutation { createCommitment(input: { title: "${'x'.repeat(201)}", typeId: "${LOAN}" }) { id } }`, {}],
      ['mutation { createCommitment(input: { title: "ok", typeId: "loan" }) { id } }', {}],
      [
        `mutation { addParty(commitmentId: "${ALICE_AND_CAROL}", profileId: "bob", role: WITNESS) { id } }`,
        {},
      ],
      [
        `mutation { addParty(commitmentId: "${ALICE_AND_CAROL}", profileId: "${BOB}", role: CREATOR) { id } }`,
        {},
      ],
      [
        `mutation { attachDocument(commitmentId: "${ALICE_AND_CAROL}", input: { name: "", url: "https://e.com" }) { id } }`,
        {},
      ],
      ['query ($ids: [ID!]!) { commitmentsByIds(ids: $ids) { id } }', { ids: tooMany }],
      ['{ commitments(first: 0) { nodes { id } } }', {}],
      ['{ commitments(after: { createdAt: "2026-01-01T00:00:00.000Z", id: "x" }) { nodes { id } } }', {}],
    ];
    for (const [query, variables] of cases) {
      const answer = await post(service.url, query, { token: tokens.alice, variables });
      expect(errorCodes(answer), query.slice(0, 80)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await revisionCount()).toBe(before);
  });

  it('refuses a huge aliased query on its estimated cost (one item per key) before it runs', async () => {
    const batches = async () =>
      Number(
        /^figway_service_batch_keys_count\{field="commitmentsByIds"\} (\d+)$/m.exec(
          await metricsText(),
        )?.[1] ?? 0,
      );
    const before = await batches();
    const ids = Array.from(
      { length: 1000 },
      (_, index) => `c0000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const aliases = Array.from(
      { length: 200 },
      (_, index) => `a${index}: commitmentsByIds(ids: $ids) { id parties { id } }`,
    );
    const answer = await post(service.url, `query ($ids: [ID!]!) { ${aliases.join(' ')} }`, {
      token: tokens.alice,
      variables: { ids },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(errorCodes(answer)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(answer.body.errors?.[0]?.message).toMatch(
      /estimated cost is 800000, over the limit of 50000\. Simplify it, or raise FIGWAY_MAX_QUERY_COST/,
    );
    expect(await batches()).toBe(before);
    // One such batch is within the limit: 1000 keys x (1 + id + 2 for parties { id }, priced
    // once as the commitment's document holds them) = 4,000.
    const one = await post(service.url, `query ($ids: [ID!]!) { ${aliases[0]} }`, {
      token: tokens.alice,
      variables: { ids },
    });
    expect(one.body.errors).toBeUndefined();
  });

  it('warns at start that anyone who can reach it can call it, without FIGWAY_SERVICE_KEY', () => {
    expect(service.output()).toMatch(
      /"level":40.*FIGWAY_SERVICE_KEY is not set: anyone who can reach this service can call it/,
    );
  });
});
