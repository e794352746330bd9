// The shipped catalogue compares the lists whose order clients see in that order: a
// target that lists a commitment's parties in another order differs from legacy.
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../../harness/testGateway.ts';
import type { CommitmentDocument } from '../../src/backends/ledger/commitmentDocument.ts';
import { flagsWith, pglite, SHARED } from '../routing/routingGatewayFixture.ts';

const PARTIES = `query Parties { commitment(id: "${SHARED}") { parties { id role } } }`;

describe('parties compared in order', () => {
  it('records a mismatch when the ledger lists the same parties in another order', async () => {
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
      // Both sides list parties by when they joined, the creator first: the ledger's
      // last-joined party says it joined before everyone, so it moves up its list.
      const parties = current.data.parties;
      const others = parties.filter((party) => party.role !== 'CREATOR');
      expect(others.length).toBeGreaterThanOrEqual(2);
      const last = others.reduce((a, b) => (a.joinedAt > b.joinedAt ? a : b));
      await ledger.write([
        {
          tableName: 'commitments',
          documentId: SHARED,
          data: {
            ...current.data,
            parties: parties.map((party) =>
              party === last ? { ...party, joinedAt: '2000-01-01T00:00:00.000Z' } : party,
            ),
          },
          expectedVersion: current.metadata.version,
        },
      ]);
      const response = await gateway.query(PARTIES, { as: 'alice' });
      const served = (response.body.data as { commitment: { parties: Array<{ id: string }> } }).commitment;
      expect(served.parties).toHaveLength(parties.length);
      await gateway.settle();
      const rows = await gateway.db.query(
        "select outcome, diffs from observations.observations where unit = 'Commitment.parties'",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.outcome).toBe('mismatched');
      expect(JSON.stringify(rows[0]?.diffs)).toContain('commitment.parties[');
    } finally {
      await gateway.close();
    }
  });
});
