import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { contractDepartures } from './contractCheck.ts';
import { errorCodes, post, type ServiceProcess, serviceTokens, startService } from './serviceProcess.ts';

const ALICE_AND_CAROL = 'c0000000-0000-4000-8000-000000000001';
const BOB_AND_DAVE = 'c0000000-0000-4000-8000-000000000002';
const ALICE_BOB_CAROL = 'c0000000-0000-4000-8000-000000000003';
const UNKNOWN = 'c0000000-0000-4000-8000-00000000ffff';
const LOAN = '7e000000-0000-4000-8000-000000000001';
const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const BOB = 'b0b00000-0000-4000-8000-000000000002';
const CAROL = 'ca201000-0000-4000-8000-000000000003';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const COMMITMENT_FIELDS = `id title status version createdAt type { id } createdBy { id }
  parties { id commitmentId role profile { id } }
  documents { commitmentId name version uploadedBy { id } }
  history { commitmentId version commitment { status } }`;

interface Commitment {
  id: string;
  status: string;
  version: number;
  createdAt: string;
  type: { id: string };
  createdBy: { id: string };
  parties: Array<{ commitmentId: string; role: string; profile: { id: string } }>;
  documents: Array<{ commitmentId: string; name: string; version: number }>;
  history: Array<{ commitmentId: string; version: number; commitment: { status: string } }>;
}

let databases: ProductionDatabases;
let service: ServiceProcess;
let tokens: Awaited<ReturnType<typeof serviceTokens>>;

async function revisionCount(): Promise<number> {
  const client = new pg.Client({ connectionString: databases.urls.ledger });
  await client.connect();
  try {
    return Number((await client.query('select count(*) as n from ledger.revisions')).rows[0]?.n);
  } finally {
    await client.end();
  }
}

async function metricsText(): Promise<string> {
  return (await fetch(new URL('/metrics', service.url))).text();
}

async function commitmentsByIds(ids: string[], token?: string): Promise<Commitment[]> {
  const answer = await post(
    service.url,
    `query ($ids: [ID!]!) { commitmentsByIds(ids: $ids) { ${COMMITMENT_FIELDS} } }`,
    {
      variables: { ids },
      ...(token === undefined ? {} : { token }),
    },
  );
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data?.commitmentsByIds as Commitment[];
}

beforeAll(async () => {
  databases = await createProductionDatabases();
  tokens = await serviceTokens();
  service = await startService('ledger', {
    NODE_ENV: 'production',
    LEDGER_DATABASE_URL: databases.urls.ledger,
    ...tokens.env,
  });
}, 120_000);

afterAll(async () => {
  const code = await service?.stop();
  await databases?.drop();
  expect(code).toBe(0);
});

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
