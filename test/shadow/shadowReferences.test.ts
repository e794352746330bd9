// A reference (a party's profile) is not a unit of its own, so its comparison is the
// one of the unit that holds it: a party that points at another profile on one side
// differs, though every field of the profile is compared by its own unit.
import { describe, expect, it } from 'vitest';
import { demoUser, startTestGateway } from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { flagsWith, pglite, SHARED } from '../routing/routingGatewayFixture.ts';

const PARTIES = `query Parties { commitment(id: "${SHARED}") { parties { role profile { id } } } }`;

describe('a reference inside a shadowed unit', () => {
  it("records a mismatch at the profile's id when the ledger's party points at another profile", async () => {
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
      const bob = demoUser('bob').id;
      const dave = demoUser('dave').id;
      expect(current.data.parties.map((party) => party.profileId)).toContain(bob);
      await ledger.write([
        {
          tableName: 'commitments',
          documentId: SHARED,
          data: {
            ...current.data,
            parties: current.data.parties.map((party) =>
              party.profileId === bob ? { ...party, profileId: dave } : party,
            ),
          },
          expectedVersion: current.metadata.version,
        },
      ]);
      const response = await gateway.query(PARTIES, { as: 'alice' });
      const served = response.body.data as { commitment: { parties: Array<{ profile: { id: string } }> } };
      expect(served.commitment.parties.map((party) => party.profile.id)).toContain(bob);
      await gateway.settle();
      const rows = await gateway.db.query(
        "select outcome, diffs from observations.observations where unit = 'Commitment.parties'",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.outcome).toBe('mismatched');
      const diffs = rows[0]?.diffs as Array<{ path: string; control: unknown; candidate: unknown }>;
      expect(diffs).toContainEqual(
        expect.objectContaining({
          path: expect.stringMatching(/profile\.id$/),
          control: bob,
          candidate: dave,
        }),
      );
    } finally {
      await gateway.close();
    }
  });
});
