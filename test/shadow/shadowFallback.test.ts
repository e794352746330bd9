// A unit at live whose failing target falls back to legacy under its policy: the client
// gets legacy's answer, and the comparison records the target's failure, not a match.
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../../harness/testGateway.ts';
import {
  betaLive,
  catalogueFallingBack,
  failingLedger,
  flagsWith,
  pglite,
  STATUS,
} from '../routing/routingGatewayFixture.ts';

describe('a shadowed unit whose target falls back to legacy', () => {
  it("serves legacy's value and records the target's failure as a mismatch", async () => {
    const catalogue = await catalogueFallingBack('Commitment.status');
    const gateway = await startTestGateway(pglite, {
      targets: true,
      development: true,
      shadow: {},
      wrapTarget: failingLedger,
      catalogue,
      flags: await flagsWith(betaLive('Commitment.status')),
    });
    try {
      const response = await gateway.query(STATUS, { as: 'alice' });
      expect(response.body.data).toEqual({ commitment: { status: 'ACTIVE' } });
      expect(response.body.extensions?.figway).toMatchObject({
        fallbacks: [{ unit: 'Commitment.status', error: 'ledger connection reset' }],
      });
      await gateway.settle();
      const rows = await gateway.db.query(
        "select * from observations.observations where unit = 'Commitment.status' order by id",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        stage: 'live',
        control: 'target',
        outcome: 'mismatched',
        control_error: 'ledger connection reset',
        diffs: [
          { path: 'commitment.status', control: 'error: ledger connection reset', candidate: 'ACTIVE' },
        ],
      });
    } finally {
      await gateway.close();
    }
  });
});
