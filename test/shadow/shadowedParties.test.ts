// Commitment.parties shadowed for cohort beta, with the ledger's copy of SHARED rewritten:
// the comparison follows the order clients see and the profile each party points at.
import { describe, expect, it } from 'vitest';
import { demoUser, startTestGateway } from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { flagsWith, pglite, SHARED } from '../routing/routingGatewayFixture.ts';

type Party = CommitmentDocument['parties'][number];

// The comparison of one query for alice, after `rewrite` changed the ledger's parties of SHARED.
async function partiesCompared(query: string, rewrite: (parties: readonly Party[]) => Party[]) {
  const gateway = await startTestGateway(pglite, {
    targets: true,
    shadow: {},
    flags: await flagsWith({
      'Commitment.parties': [{ selector: { kind: 'cohort', cohort: 'beta' }, stage: 'shadow' }],
    }),
  });
  try {
    const ledger = gateway.fixture?.ledger;
    const current = await ledger?.current<CommitmentDocument>('commitments', SHARED);
    if (ledger === undefined || current == null) throw new Error('no ledger copy of SHARED');
    await ledger.write([
      {
        tableName: 'commitments',
        documentId: SHARED,
        data: { ...current.data, parties: rewrite(current.data.parties) },
        expectedVersion: current.metadata.version,
      },
    ]);
    const response = await gateway.query(query, { as: 'alice' });
    await gateway.settle();
    const rows = await gateway.db.query(
      "select outcome, diffs from observations.observations where unit = 'Commitment.parties'",
    );
    return { served: response.body.data, rows };
  } finally {
    await gateway.close();
  }
}

describe("a shadowed commitment's parties", () => {
  it('are compared in order: the same parties listed in another order on the ledger differ', async () => {
    // Both sides list parties by when they joined, the creator first: the ledger's
    // last-joined party says it joined before everyone, so it moves up its list.
    const { rows } = await partiesCompared(
      `{ commitment(id: "${SHARED}") { parties { id role } } }`,
      (parties) => {
        const others = parties.filter((party) => party.role !== 'CREATOR');
        expect(others.length).toBeGreaterThanOrEqual(2);
        const last = others.reduce((a, b) => (a.joinedAt > b.joinedAt ? a : b));
        return parties.map((party) =>
          party === last ? { ...party, joinedAt: '2000-01-01T00:00:00.000Z' } : party,
        );
      },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outcome).toBe('mismatched');
    expect(JSON.stringify(rows[0]?.diffs)).toContain('commitment.parties[');
  });

  it("are compared by the profile each points at: a party of another profile differs at the profile's id", async () => {
    const bob = demoUser('bob').id;
    const dave = demoUser('dave').id;
    const { served, rows } = await partiesCompared(
      `{ commitment(id: "${SHARED}") { parties { role profile { id } } } }`,
      (parties) => {
        expect(parties.map((party) => party.profileId)).toContain(bob);
        return parties.map((party) => (party.profileId === bob ? { ...party, profileId: dave } : party));
      },
    );
    const parties = (served as { commitment: { parties: Array<{ profile: { id: string } }> } }).commitment
      .parties;
    expect(parties.map((party) => party.profile.id)).toContain(bob);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outcome).toBe('mismatched');
    expect(rows[0]?.diffs).toContainEqual(
      expect.objectContaining({ path: expect.stringMatching(/profile\.id$/), control: bob, candidate: dave }),
    );
  });
});
