import { describe, expect, it } from 'vitest';
import { contractDepartures } from './contractCheck.ts';
import {
  ALICE,
  ALICE_AND_CAROL,
  ALICE_BOB_CAROL,
  BOB_AND_DAVE,
  CAROL,
  commitmentsByIds,
  ISO,
  LOAN,
  metricsText,
  revisionCount,
  service,
  tokens,
  UNKNOWN,
  useLedgerService,
} from './ledgerServiceFixture.ts';
import { errorCodes, post, serviceTokens } from './serviceProcess.ts';

// figway service ledger as a process on PostgreSQL: health, metrics, its contract, batch reads, pages, verification, and who may see what.
useLedgerService();

describe('figway service ledger on PostgreSQL', () => {
  it('answers /healthz with its contract version and /metrics in Prometheus text', async () => {
    const health = await fetch(new URL('/healthz', service.url));
    expect(health.status).toBe(200);
    const report = (await health.json()) as { status: string; schemaVersion: string; backends: object };
    expect(report).toEqual({
      status: 'ok',
      schemaVersion: service.listening.contractVersion,
      backends: { ledger: { status: 'up' } },
    });
    expect(report.schemaVersion).toMatch(/^ledger\+[0-9a-f]{8}$/);
    const metrics = await fetch(new URL('/metrics', service.url));
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^# TYPE figway_service_requests_total counter$/m);
  });

  it('serves every type, field and argument of schema/targets/ledger.graphql', async () => {
    expect(await contractDepartures('ledger', service.url)).toEqual([]);
  });

  it('answers a batch of ids in one call, leaving out unknown ids and what the caller may not see', async () => {
    const found = await commitmentsByIds(
      [ALICE_BOB_CAROL, BOB_AND_DAVE, ALICE_AND_CAROL, UNKNOWN, 'not-a-uuid'],
      tokens.alice,
    );
    expect(found.map((commitment) => commitment.id).sort()).toEqual([ALICE_AND_CAROL, ALICE_BOB_CAROL]);
    const first = found.find((commitment) => commitment.id === ALICE_AND_CAROL);
    expect(first?.createdBy).toEqual({ id: ALICE });
    expect(first?.createdAt).toMatch(ISO);
    expect(first?.parties.map((party) => [party.role, party.profile.id])).toEqual([
      ['CREATOR', ALICE],
      ['PARTICIPANT', CAROL],
    ]);
    expect(first?.documents.map((entry) => [entry.name, entry.version])).toEqual([
      ['terms.pdf', 1],
      ['terms.pdf', 2],
    ]);
    expect(first?.history.map((revision) => revision.version)).toEqual(
      first?.history.map((_, index) => index),
    );
    expect(first?.history.every((revision) => revision.commitmentId === ALICE_AND_CAROL)).toBe(true);
    expect(await metricsText()).toMatch(/^figway_service_batch_keys_sum\{field="commitmentsByIds"\} [1-9]/m);
  });

  it('answers parties, documents and history of many commitments, each naming its commitment', async () => {
    const answer = await post(
      service.url,
      `query ($ids: [ID!]!) {
        partiesByCommitmentIds(ids: $ids) { commitmentId role profile { id } }
        documentsByCommitmentIds(ids: $ids) { commitmentId name }
        historyByCommitmentIds(ids: $ids) { commitmentId version txId txTime blockAddress { strandId sequenceNo } }
      }`,
      { token: tokens.alice, variables: { ids: [ALICE_AND_CAROL, ALICE_BOB_CAROL, BOB_AND_DAVE] } },
    );
    expect(answer.body.errors).toBeUndefined();
    const data = answer.body.data as Record<string, Array<{ commitmentId: string; txTime?: string }>>;
    for (const field of ['partiesByCommitmentIds', 'historyByCommitmentIds']) {
      expect(new Set(data[field]?.map((row) => row.commitmentId))).toEqual(
        new Set([ALICE_AND_CAROL, ALICE_BOB_CAROL]),
      );
    }
    expect(data.partiesByCommitmentIds?.filter((row) => row.commitmentId === ALICE_BOB_CAROL)).toHaveLength(
      3,
    );
    expect(data.documentsByCommitmentIds?.every((row) => row.commitmentId !== BOB_AND_DAVE)).toBe(true);
    expect(data.historyByCommitmentIds?.[0]?.txTime).toMatch(ISO);
  });

  it("pages the caller's commitments newest first, from a position, by status", async () => {
    const page = `query ($after: CommitmentPosition, $status: CommitmentStatus) {
      commitments(first: 3, after: $after, status: $status) { nodes { id createdAt status createdBy { id } parties { profile { id } } } hasNextPage }
    }`;
    type Page = {
      nodes: Array<{
        id: string;
        createdAt: string;
        status: string;
        createdBy: { id: string };
        parties: Array<{ profile: { id: string } }>;
      }>;
      hasNextPage: boolean;
    };
    const first = (await post(service.url, page, { token: tokens.alice })).body.data?.commitments as Page;
    expect(first.nodes).toHaveLength(3);
    expect(first.hasNextPage).toBe(true);
    const last = first.nodes.at(-1);
    const second = (
      await post(service.url, page, {
        token: tokens.alice,
        variables: { after: { createdAt: last?.createdAt, id: last?.id } },
      })
    ).body.data?.commitments as Page;
    const all = [...first.nodes, ...second.nodes];
    expect(new Set(all.map((node) => node.id)).size).toBe(all.length);
    const order = all.map((node) => `${node.createdAt}/${node.id}`);
    expect(order).toEqual([...order].sort().reverse());
    for (const node of all)
      expect([node.createdBy.id, ...node.parties.map((party) => party.profile.id)]).toContain(ALICE);
    const active = (await post(service.url, page, { token: tokens.alice, variables: { status: 'ACTIVE' } }))
      .body.data?.commitments as Page;
    expect(active.nodes.length).toBeGreaterThan(0);
    expect(active.nodes.every((node) => node.status === 'ACTIVE')).toBe(true);
  });

  it('verifies a revision against the digest for a party, and answers null for anyone else', async () => {
    const verify = `query ($id: ID!) { verifyCommitment(id: $id) { id version verified problem proof digest } }`;
    const alice = await post(service.url, verify, {
      token: tokens.alice,
      variables: { id: ALICE_AND_CAROL },
    });
    expect(alice.body.data?.verifyCommitment).toMatchObject({
      id: ALICE_AND_CAROL,
      verified: true,
      problem: null,
    });
    const bob = await post(service.url, verify, { token: tokens.bob, variables: { id: ALICE_AND_CAROL } });
    expect(bob.body).toEqual({ data: { verifyCommitment: null } });
  });
});

describe('who may see what, calling the ledger service directly', () => {
  it("gives bob nothing of alice's commitment, and refuses his write to it, changing nothing", async () => {
    expect(await commitmentsByIds([ALICE_AND_CAROL], tokens.bob)).toEqual([]);
    const parts = await post(
      service.url,
      `query ($ids: [ID!]!) { partiesByCommitmentIds(ids: $ids) { id } documentsByCommitmentIds(ids: $ids) { id } historyByCommitmentIds(ids: $ids) { version } }`,
      { token: tokens.bob, variables: { ids: [ALICE_AND_CAROL] } },
    );
    expect(parts.body).toEqual({
      data: { partiesByCommitmentIds: [], documentsByCommitmentIds: [], historyByCommitmentIds: [] },
    });
    const page = await post(service.url, '{ commitments(first: 1000) { nodes { id } } }', {
      token: tokens.bob,
    });
    const bobs = page.body.data?.commitments as { nodes: Array<{ id: string }> } | undefined;
    const ids = bobs?.nodes.map((node) => node.id);
    expect(ids).toContain(BOB_AND_DAVE);
    expect(ids).not.toContain(ALICE_AND_CAROL);

    const before = await revisionCount();
    const write = await post(
      service.url,
      `mutation { attachDocument(commitmentId: "${ALICE_AND_CAROL}", input: { name: "bob.pdf", url: "https://example.com/b" }) { id } }`,
      { token: tokens.bob },
    );
    expect(errorCodes(write)).toEqual(['FORBIDDEN']);
    expect(await revisionCount()).toBe(before);
  });

  it('lets service_role see every commitment', async () => {
    const found = await commitmentsByIds([ALICE_AND_CAROL, BOB_AND_DAVE], tokens.admin);
    expect(found.map((commitment) => commitment.id).sort()).toEqual([ALICE_AND_CAROL, BOB_AND_DAVE]);
  });

  it('gives an anonymous caller no commitment and refuses its writes with UNAUTHENTICATED', async () => {
    expect(await commitmentsByIds([ALICE_AND_CAROL, ALICE_BOB_CAROL])).toEqual([]);
    const write = await post(
      service.url,
      `mutation { createCommitment(input: { title: "x", typeId: "${LOAN}" }) { id } }`,
    );
    expect(errorCodes(write)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers an expired, malformed or wrongly signed token with 401 UNAUTHENTICATED and no data', async () => {
    const other = await serviceTokens();
    for (const token of [await tokens.expired('alice'), 'not-a-jwt', other.alice]) {
      const answer = await post(service.url, `{ commitmentsByIds(ids: ["${ALICE_AND_CAROL}"]) { id } }`, {
        token,
      });
      expect(answer.status).toBe(401);
      expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
      expect(answer.body.errors?.[0]?.message).toMatch(/^Invalid bearer token: /);
      expect(answer.body.data).toBeUndefined();
    }
  });
});
