import type { TestEngine } from '../../../harness/databases.ts';
import {
  createLedgerCommitments,
  type LedgerCommitments,
} from '../../../src/backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import type { Database } from '../../../src/core/database.ts';
import { steppingClock } from './ledgerFixture.ts';

/** alice's id in the demo data. */
export const ALICE_ID = 'a11ce000-0000-4000-8000-000000000001';
/** bob's id in the demo data; bob is no party to the fixture's commitment. */
export const BOB_ID = 'b0b00000-0000-4000-8000-000000000002';

/** A signed-in user as the gateway builds one from a verified token. */
export function userViewer(id: string): Viewer {
  return {
    kind: 'user',
    id,
    email: null,
    cohort: null,
    claims: { sub: id, role: 'authenticated' },
    token: '',
  };
}

/** A `service_role` caller, as `figway verify` reads the ledger. */
export const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };

/**
 * The committed-view attack: an SQL edit that adds the profile `$2` as a participant of
 * the commitment `$1` in the committed view. Returns one row per row it changed.
 */
export const ADD_PARTY_TO_VIEW = `update ledger.documents
  set data = jsonb_set(data, '{parties}', (data -> 'parties') || jsonb_build_array(jsonb_build_object(
    'id', 'f0000000-0000-4000-8000-000000000001', 'profileId', $2::text,
    'role', 'PARTICIPANT', 'joinedAt', '2024-03-01T12:00:05.000Z')))
  where table_name = 'commitments' and document_id = $1 returning 1`;

/** Writes alice's commitment (bob is no party): version 0 as DRAFT, version 1 as PROPOSED. */
export async function writeAlicesCommitment(commitments: LedgerCommitments): Promise<string> {
  const alice = userViewer(ALICE_ID);
  const { id } = await commitments.createCommitment(alice, {
    title: 'Lend the ladder',
    description: 'Until the gutters are clean',
    typeId: '7e000000-0000-4000-8000-000000000001',
    terms: 'Return it clean',
  });
  const moved = await commitments.updateCommitmentStatus(alice, id, 'DRAFT', 'PROPOSED');
  if (moved === null) throw new Error('the fixture commitment did not move to PROPOSED');
  return id;
}

/** A ledger holding {@link writeAlicesCommitment}'s commitment, and the database it lives in. */
export interface CommitmentLedger {
  ledger: Ledger;
  db: Database;
  commitments: LedgerCommitments;
  id: string;
}

/**
 * One database on `engine` for a suite. `fresh()` drops the ledger's schema and opens
 * a new ledger with alice's commitment, so each test attacks its own ledger without
 * paying for a new database (a PGlite instance takes seconds on a busy machine).
 */
export async function commitmentLedgers(
  engine: TestEngine,
): Promise<{ fresh(): Promise<CommitmentLedger>; drop(): Promise<void> }> {
  const { db, drop } = await engine.create();
  return {
    async fresh() {
      await db.transaction(async (tx) => {
        await tx.query('drop schema if exists ledger cascade');
        const [migrations] = await tx.query("select to_regclass('figway.migrations') as name");
        if (migrations?.name !== null)
          await tx.query("delete from figway.migrations where name like 'ledger/%'");
      });
      const { clock } = steppingClock();
      const ledger = await openLedger(db, { clock });
      const commitments = createLedgerCommitments(ledger, { clock });
      return { ledger, db, commitments, id: await writeAlicesCommitment(commitments) };
    },
    drop,
  };
}
