import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { dataField, errorCodes, startTestGateway, type TestGateway } from '../../harness/testGateway.ts';
import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { foldProof, revisionHashOf } from '../backends/ledger/independentVerifier.ts';

const engines = await testEngines();
// The tests that boot their own gateway (legacy seeded, ledger backfilled) inside the
// test need more than the default 30 s on a busy 2-core machine.
const GATEWAY_BOOT_MS = 120_000;
const [pglite] = engines;
if (pglite === undefined) throw new Error('PGlite is always available');

// The fourth demo commitment: dave creates it with bob, attaches terms.pdf twice,
// and moves it DRAFT -> PROPOSED -> ACTIVE -> FULFILLED.
const demo = DEMO_COMMITMENTS[3];
const ID = demo?.id ?? '';

const HISTORY = `query ($id: ID!) { commitment(id: $id) { history { version txTime txId blockAddress { strandId sequenceNo }
  commitment { status parties { role profile { username } } documents { name version } } } } }`;
const VERIFY = `query ($id: ID!, $version: Int) { verifyCommitment(id: $id, version: $version) {
  id version blockAddress { sequenceNo } revisionHash digest tipAddress { strandId sequenceNo } proof verified problem } }`;

interface Revision {
  version: number;
  txTime: string;
  txId: string;
  commitment: {
    status: string;
    parties: Array<{ role: string }>;
    documents: Array<{ name: string; version: number }>;
  };
}

describe.each(engines)('ledger fields through the gateway ($name)', (engine) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(engine, { targets: true });
  });
  afterAll(() => gateway.close());

  it('lists every revision of a commitment, with parties and documents as they were', async () => {
    const response = await gateway.query(HISTORY, { as: 'dave', variables: { id: ID } });
    const { history } = dataField(response, 'commitment') as { history: Revision[] };
    expect(history.map((revision) => revision.version)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(history[0]?.commitment).toEqual({ status: 'DRAFT', parties: [], documents: [] });
    expect(history[2]?.commitment.parties.map((party) => party.role)).toEqual(['CREATOR', 'PARTICIPANT']);
    expect(history[4]?.commitment.documents).toEqual([
      { name: 'terms.pdf', version: 1 },
      { name: 'terms.pdf', version: 2 },
    ]);
    expect(history.map((revision) => revision.commitment.status).at(-1)).toBe('FULFILLED');
    expect(
      history.every((revision) => revision.txId.length === 22 && !Number.isNaN(Date.parse(revision.txTime))),
    ).toBe(true);
  });

  it('verifies a revision, and the proof folds onto its hash into the digest independently', async () => {
    const response = await gateway.query(VERIFY, { as: 'bob', variables: { id: ID, version: 5 } });
    const result = dataField(response, 'verifyCommitment') as {
      version: number;
      revisionHash: string;
      digest: string;
      proof: string[];
      verified: boolean;
      problem: string | null;
    };
    expect(result).toMatchObject({ version: 5, verified: true, problem: null });
    expect(result.proof.length).toBeGreaterThan(0);
    const ledgerDb = gateway.fixture?.ledger.db;
    if (ledgerDb === undefined) throw new Error('the gateway has no ledger');
    const [row] = await ledgerDb.query(
      "select * from ledger.revisions where table_name = 'commitments' and document_id = $1 and version = 5",
      [ID],
    );
    const recomputed = revisionHashOf(
      { id: ID, version: 5, txTime: row?.tx_time as Date, txId: String(row?.tx_id) },
      row?.data,
    );
    expect(Buffer.from(recomputed).toString('base64')).toBe(result.revisionHash);
    const folded = foldProof(
      recomputed,
      result.proof.map((hash) => Buffer.from(hash, 'base64')),
    );
    expect(Buffer.from(folded).toString('base64')).toBe(result.digest);
  });

  it('shows nothing of the ledger to callers who are not a party', async () => {
    const history = await gateway.query(HISTORY, { as: 'alice', variables: { id: ID } });
    expect(history.body.data?.commitment).toBeNull();
    const verify = await gateway.query(VERIFY, { as: 'alice', variables: { id: ID } });
    expect(verify.body.data?.verifyCommitment).toBeNull();
    const anonymous = await gateway.query(VERIFY, { variables: { id: ID } });
    expect(anonymous.body.data?.verifyCommitment).toBeNull();
  });

  it('answers null for a version the commitment never had', async () => {
    const response = await gateway.query(VERIFY, { as: 'dave', variables: { id: ID, version: 99 } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.verifyCommitment).toBeNull();
  });
});

describe('ledger fields after tampering', { timeout: GATEWAY_BOOT_MS }, () => {
  it('reports verified: false and names the bad block when a stored revision was edited', async () => {
    const gateway = await startTestGateway(pglite, { targets: true });
    try {
      const db = gateway.fixture?.ledger.db;
      if (db === undefined) throw new Error('the gateway has no ledger');
      await db.transaction(async (tx) => {
        await tx.query('alter table ledger.revisions disable trigger user');
        await tx.query(
          `update ledger.revisions set data = jsonb_set(data, '{title}', '"Garden upkeep through winter"')
           where table_name = 'commitments' and document_id = $1 and version = 1`,
          [ID],
        );
        await tx.query('alter table ledger.revisions enable trigger user');
      });
      const response = await gateway.query(VERIFY, { as: 'dave', variables: { id: ID, version: 1 } });
      expect(dataField(response, 'verifyCommitment')).toMatchObject({
        verified: false,
        proof: [],
        problem: expect.stringMatching(
          /sequenceNo: \d+\} fails verification: revision .* does not match its hash/,
        ),
      });
    } finally {
      await gateway.close();
    }
  });
});

describe('ledger fields after an edit of the committed view', { timeout: GATEWAY_BOOT_MS }, () => {
  // The attack: `update ledger.documents` made a user a party of a commitment
  // and verifyCommitment still answered verified: true.
  const addCarol = `update ledger.documents set data = jsonb_set(data, '{parties}', (data -> 'parties')
      || jsonb_build_array(jsonb_build_object('id', 'f0000000-0000-4000-8000-000000000009',
         'profileId', 'ca201000-0000-4000-8000-000000000003', 'role', 'PARTICIPANT',
         'joinedAt', '2024-03-01T12:00:05.000Z')))
    where table_name = 'commitments' and document_id = $1 returning 1`;

  it('is refused; with triggers bypassed, verifyCommitment answers verified: false', async () => {
    const gateway = await startTestGateway(pglite, { targets: true });
    try {
      const db = gateway.fixture?.ledger.db;
      if (db === undefined) throw new Error('the gateway has no ledger');
      await expect(db.query(addCarol, [ID])).rejects.toThrow(/append-only/);
      const refused = await gateway.query(VERIFY, { as: 'carol', variables: { id: ID } });
      expect(refused.body.data?.verifyCommitment).toBeNull();
      const before = await gateway.query(VERIFY, { as: 'dave', variables: { id: ID } });
      expect(dataField(before, 'verifyCommitment')).toMatchObject({
        version: 7,
        verified: true,
        problem: null,
      });

      const changed = await db.transaction(async (tx) => {
        await tx.query('set local session_replication_role = replica');
        return tx.query(addCarol, [ID]);
      });
      expect(changed).toHaveLength(1);
      for (const user of ['carol', 'dave']) {
        const response = await gateway.query(VERIFY, { as: user, variables: { id: ID } });
        expect(dataField(response, 'verifyCommitment')).toMatchObject({
          version: 7,
          verified: false,
          proof: [],
          problem: expect.stringMatching(/fails verification: revision \S+ v7 does not match its hash/),
        });
      }
    } finally {
      await gateway.close();
    }
  });
});

describe('a gateway without a ledger', { timeout: GATEWAY_BOOT_MS }, () => {
  it('answers history with BACKEND_UNAVAILABLE naming the settings', async () => {
    const gateway = await startTestGateway(pglite);
    try {
      const response = await gateway.query(HISTORY, { as: 'dave', variables: { id: ID } });
      expect(errorCodes(response)).toEqual(['BACKEND_UNAVAILABLE']);
      expect(response.body.errors?.[0]?.message).toMatch(/LEDGER_DATABASE_URL/);
    } finally {
      await gateway.close();
    }
  });
});
