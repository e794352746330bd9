import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testEngines } from '../../harness/databases.ts';
import { demoUser, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import {
  FLAGS_DIR,
  type FlagDefinitions,
  readCatalogue,
  readDefinitions,
} from '../../src/routing/flagFiles.ts';
import { type StageRule, setRule } from '../../src/routing/stageRules.ts';

const [pglite] = await testEngines();
if (pglite === undefined) throw new Error('PGlite is always available');

const SHARED = 'c0000000-0000-4000-8000-000000000003'; // alice, bob, carol; ACTIVE in legacy
const STATUS = `query Status { commitment(id: "${SHARED}") { title status } }`;

async function flagsWith(rules: Record<string, StageRule[]>): Promise<FlagDefinitions> {
  const defaults = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  const catalogue = await readCatalogue();
  return {
    ...defaults,
    features: defaults.features.map((feature) => {
      const unit = Object.keys(rules).find(
        (name) => catalogue.find((entry) => entry.unit === name)?.flag === feature.name,
      );
      return unit === undefined ? feature : (rules[unit] ?? []).reduce(setRule, feature);
    }),
  };
}

const betaShadow = {
  'Commitment.status': [{ selector: { kind: 'cohort' as const, cohort: 'beta' }, stage: 'shadow' as const }],
};

async function breachInLedger(gateway: TestGateway) {
  const ledger = gateway.fixture?.ledger;
  const current = await ledger?.current<CommitmentDocument>('commitments', SHARED);
  if (ledger === undefined || current == null) throw new Error('no ledger copy');
  await ledger.write([
    {
      tableName: 'commitments',
      documentId: SHARED,
      data: { ...current.data, status: 'BREACHED' },
      expectedVersion: current.metadata.version,
    },
  ]);
}

async function observations(gateway: TestGateway) {
  await gateway.settle();
  return gateway.db.query('select * from observations.observations order by id');
}

describe('shadow reads through the gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(pglite, {
      targets: true,
      shadow: {},
      flags: await flagsWith(betaShadow),
    });
    await breachInLedger(gateway);
  });
  afterAll(() => gateway.close());

  it("serves legacy's value and records the ledger's disagreement on status for cohort beta", async () => {
    const response = await gateway.query(STATUS, { as: 'alice' });
    expect(response.body.data).toEqual({
      commitment: { title: 'Loan for the market stall', status: 'ACTIVE' },
    });
    const [row, ...more] = await observations(gateway);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      unit: 'Commitment.status',
      stage: 'shadow',
      control: 'legacy',
      cohort: 'beta',
      operation_name: 'Status',
      outcome: 'mismatched',
      diffs: [{ path: 'commitment.status', control: 'ACTIVE', candidate: 'BREACHED' }],
    });
    expect(row?.user_hash).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(JSON.stringify(row)).not.toContain(demoUser('alice').id);
  });

  it('records the document and variables of a GET query, as urql sends them', async () => {
    const before = (await observations(gateway)).length;
    const query = 'query StatusOf($id: ID!) { commitment(id: $id) { status } }';
    const search = new URLSearchParams({
      query,
      operationName: 'StatusOf',
      variables: JSON.stringify({ id: SHARED }),
    });
    const response = await fetch(`${gateway.gateway.url}?${search}`, {
      headers: { authorization: `Bearer ${await gateway.tokenFor('alice')}` },
    });
    expect(await response.json()).toMatchObject({ data: { commitment: { status: 'ACTIVE' } } });
    const rows = await observations(gateway);
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ operation_name: 'StatusOf', query, variables: { id: SHARED } });
  });

  it('compares queries sent over graphql-ws too', async () => {
    const before = (await observations(gateway)).length;
    const client = createClient({
      url: gateway.gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: {
        authorization: `Bearer ${await gateway.tokenFor('carol')}`,
        'apollographql-client-name': 'connect-ios',
      },
      retryAttempts: 0,
    });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: STATUS },
          {
            next: (next) => {
              value = next;
            },
            error: reject,
            complete: () => resolve(value),
          },
        );
      });
      expect(result).toEqual({
        data: { commitment: { title: 'Loan for the market stall', status: 'ACTIVE' } },
      });
    } finally {
      await client.dispose();
    }
    const rows = await observations(gateway);
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({
      unit: 'Commitment.status',
      cohort: 'beta',
      client_name: 'connect-ios',
      operation_name: 'Status',
      outcome: 'mismatched',
    });
  });

  it('answers and records the comparison when a variable is nested 200,000 levels', async () => {
    const before = (await observations(gateway)).length;
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const response = await fetch(gateway.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await gateway.tokenFor('alice')}`,
      },
      body: `{"query": ${JSON.stringify(STATUS)}, "variables": {"filter": ${deep}}}`,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toEqual({
      commitment: { title: 'Loan for the market stall', status: 'ACTIVE' },
    });
    const rows = await observations(gateway);
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ unit: 'Commitment.status', outcome: 'mismatched' });
    expect(JSON.stringify(rows.at(-1)?.variables)).toMatch(/"filter":\[+"\(nested deeper than \d+ levels\)"/);
  });

  it('compares nothing for a user whose stage has no shadow', async () => {
    const before = (await observations(gateway)).length;
    await gateway.query(STATUS, { as: 'bob' });
    expect(await observations(gateway)).toHaveLength(before);
  });
});
