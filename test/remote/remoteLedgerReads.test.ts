import { beforeAll, describe, expect, it } from 'vitest';
import type { ServeProcess } from '../support/figwayProcess.ts';
import { ask, dataOf, type GatewayAnswer, serviceRequests } from './remoteDeployment.ts';
import {
  ALICE_AND_CAROL,
  gateway,
  gateways,
  LOAN,
  ledger,
  tokens,
  useRemoteGateway,
} from './remoteGatewayFixture.ts';

useRemoteGateway();

const CAROL = 'ca201000-0000-4000-8000-000000000003';

const VERIFICATION = `id version blockAddress { strandId sequenceNo } revisionHash digest
  tipAddress { strandId sequenceNo } proof verified problem`;

// Every field of a revision and of the commitment it holds, and the verification of the
// newest revision, of the first, and of a version the commitment does not have.
const HISTORY = `query History($id: ID!) {
  commitment(id: $id) {
    id
    history {
      version txTime txId blockAddress { strandId sequenceNo }
      commitment {
        id title description status terms createdAt updatedAt
        type { id name } createdBy { id username }
        parties { id role joinedAt profile { id username } }
        documents { id name url version uploadedAt uploadedBy { id username } }
        history { version txId }
      }
    }
  }
  newest: verifyCommitment(id: $id) { ${VERIFICATION} }
  first: verifyCommitment(id: $id, version: 0) { ${VERIFICATION} }
  beyond: verifyCommitment(id: $id, version: 99) { id }
}`;

const PAGE = `query Page($first: Int!) {
  commitments(first: $first) {
    edges { node { id history { version txTime commitment { status parties { role } documents { name } } } } }
  }
}`;

const LEDGER_FIELDS = `query Ledger($id: ID!) {
  commitment(id: $id) { id history { version } }
  verifyCommitment(id: $id) { verified }
}`;

interface Revision {
  version: number;
  commitment: { status: string; parties: unknown[]; documents: unknown[]; history: unknown[] };
}

// A gateway over the same databases, with the ledger in process: what the remote one must answer.
let inProcess: ServeProcess;
// A commitment of alice's with four revisions, each written through the ledger service.
let made: string;

async function mutate(mutation: string): Promise<Record<string, unknown>> {
  const answer = await ask(gateway.url, `mutation { ${mutation} }`, tokens.alice);
  expect(answer.errors).toEqual([]);
  return dataOf(answer);
}

// The same operation through both gateways, as the same caller.
async function askBoth(query: string, token: string, variables: Record<string, unknown>) {
  const [remote, local] = await Promise.all([
    ask(gateway.url, query, token, variables),
    ask(inProcess.url, query, token, variables),
  ]);
  return { remote, local };
}

beforeAll(async () => {
  inProcess = await gateways.startInProcess();
  await gateways.stage(gateway, tokens.alice, 'live');
  await gateways.stage(inProcess, tokens.alice, 'live');
  const created = await mutate(
    `createCommitment(input: { title: "Audited", typeId: "${LOAN}", terms: "Net 30" }) { id }`,
  );
  made = (created.createCommitment as { id: string }).id;
  await mutate(`addParty(commitmentId: "${made}", profileId: "${CAROL}", role: WITNESS) { id }`);
  await mutate(
    `attachDocument(commitmentId: "${made}", input: { name: "terms.pdf", url: "https://files.example/terms.pdf" }) { id }`,
  );
  await mutate(`updateCommitmentStatus(id: "${made}", status: PROPOSED) { id }`);
}, 60_000);

describe('history and verifyCommitment through the ledger service (gateway with only the service URLs)', () => {
  it("gives alice her commitment's history and its verification as the in-process ledger does", async () => {
    const { remote, local } = await askBoth(HISTORY, tokens.alice, { id: made });
    expect(remote.errors).toEqual([]);
    expect(local.errors).toEqual([]);
    expect(remote.data).toEqual(local.data);
    const data = dataOf(remote);
    const history = (data.commitment as { history: Revision[] }).history;
    expect(history.map((revision) => revision.version)).toEqual([0, 1, 2, 3]);
    expect(history.map((revision) => revision.commitment.status)).toEqual([
      'DRAFT',
      'DRAFT',
      'DRAFT',
      'PROPOSED',
    ]);
    expect(history.map((revision) => revision.commitment.parties.length)).toEqual([1, 2, 2, 2]);
    expect(history.map((revision) => revision.commitment.documents.length)).toEqual([0, 0, 1, 1]);
    expect(history[0]?.commitment.history).toHaveLength(4);
    expect(data.newest).toMatchObject({ id: made, version: 3, verified: true, problem: null });
    expect(data.first).toMatchObject({ id: made, version: 0, verified: true, problem: null });
    expect(data.beyond).toBeNull();
  });

  it('reads the history of a page in one request to the ledger service, whatever its length', async () => {
    const requestsFor = async (first: number) => {
      const before = await serviceRequests(ledger.url);
      const answer = await ask(gateway.url, PAGE, tokens.alice, { first });
      expect(answer.errors).toEqual([]);
      const edges = (dataOf(answer).commitments as { edges: unknown[] }).edges;
      return { edges: edges.length, requests: (await serviceRequests(ledger.url)) - before };
    };
    const one = await requestsFor(1);
    const all = await requestsFor(50);
    expect(all.edges).toBeGreaterThan(2);
    // One for the page, one for the history of every commitment on it.
    expect([one.requests, all.requests]).toEqual([2, 2]);
    const { remote, local } = await askBoth(PAGE, tokens.alice, { first: 50 });
    expect(remote.errors).toEqual([]);
    expect(remote.data).toEqual(local.data);
  });

  it("gives bob, for alice's commitments, what the in-process gateway gives him: neither", async () => {
    for (const id of [made, ALICE_AND_CAROL]) {
      const { remote, local } = await askBoth(LEDGER_FIELDS, tokens.bob, { id });
      expect(remote.errors).toEqual([]);
      expect(local.errors).toEqual([]);
      expect(remote.data).toEqual({ commitment: null, verifyCommitment: null });
      expect(remote.data).toEqual(local.data);
    }
  });

  it('answers BACKEND_UNAVAILABLE naming the ledger for both fields while the ledger service is down', async () => {
    // The commitment itself from legacy: only history and verification need the ledger.
    await gateways.stage(gateway, tokens.alice, 'legacy');
    const up = await ask(gateway.url, LEDGER_FIELDS, tokens.alice, { id: ALICE_AND_CAROL });
    expect(up.errors).toEqual([]);
    expect(up.data?.verifyCommitment).toEqual({ verified: true });
    expect(await ledger.stop()).toBe(0);
    const down: GatewayAnswer = await ask(gateway.url, LEDGER_FIELDS, tokens.alice, { id: ALICE_AND_CAROL });
    expect(down.routes['Query.commitment']).toEqual({ stage: 'legacy', backend: 'legacy' });
    expect(down.data).toEqual({ commitment: null, verifyCommitment: null });
    const byPath = [...down.errors].sort((a, b) => String(a.path).localeCompare(String(b.path)));
    const unavailable = {
      message: 'The ledger service failed to answer.',
      extensions: expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', backend: 'ledger' }),
    };
    expect(byPath).toEqual([
      expect.objectContaining({ ...unavailable, path: ['commitment', 'history'] }),
      expect.objectContaining({ ...unavailable, path: ['verifyCommitment'] }),
    ]);
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    expect(metrics).toMatch(/figway_backend_failures_total\{backend="ledger",code="ECONNREFUSED"\} [1-9]/);
  });
});
