import type { CommitmentStatus } from '../src/backends/connectStore.ts';
import { DEMO_TYPES } from '../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../src/backends/supabase/seed/demoUsers.ts';
import type { Database, Transaction } from '../src/core/database.ts';

// After the demo data's last commitment (22 of them, 26 hours apart from 2026-01-05).
const FIRST = Date.parse('2026-02-01T09:00:00.000Z');
const HOUR = 3_600_000;

const PATHS: ReadonlyArray<readonly CommitmentStatus[]> = [
  [],
  ['PROPOSED'],
  ['PROPOSED', 'ACTIVE'],
  ['PROPOSED', 'ACTIVE', 'FULFILLED'],
  ['PROPOSED', 'CANCELLED'],
];

function userId(username: string): string {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user.id;
}

// Who creates commitment `index` and who else joins: alice takes part in every one.
function seatsOf(index: number): { creator: string; others: Array<[string, 'PARTICIPANT' | 'WITNESS']> } {
  const others = ['bob', 'carol', 'dave'];
  const other = others[index % others.length] ?? 'bob';
  const third = others[(index + 1) % others.length] ?? 'carol';
  if (index % 3 === 2) return { creator: other, others: [['alice', 'PARTICIPANT']] };
  return {
    creator: 'alice',
    others:
      index % 2 === 0
        ? [[other, 'PARTICIPANT']]
        : [
            [other, 'PARTICIPANT'],
            [third, 'WITNESS'],
          ],
  };
}

async function seedOne(tx: Transaction, index: number): Promise<void> {
  const { creator, others } = seatsOf(index);
  const id = `c1000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;
  const createdAt = new Date(FIRST + index * HOUR).toISOString();
  // The creator's claims make auth.uid() the created_by, as the demo data does.
  await tx.query("select set_config('request.jwt.claims', $1, true)", [
    JSON.stringify({ sub: userId(creator), role: 'authenticated' }),
  ]);
  await tx.query(
    `insert into public.commitments (id, title, description, type_id, terms, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6)`,
    [
      id,
      `Benchmark commitment ${index + 1}`,
      `Commitment ${index + 1} of the peers benchmark.`,
      DEMO_TYPES[index % DEMO_TYPES.length]?.id,
      'Settled monthly.',
      createdAt,
    ],
  );
  for (const [seat, [username, role]] of others.entries()) {
    await tx.query(
      'insert into public.commitment_parties (commitment_id, profile_id, role, joined_at) values ($1, $2, $3, $4)',
      [id, userId(username), role, new Date(Date.parse(createdAt) + (seat + 1) * 60_000).toISOString()],
    );
  }
  for (const status of PATHS[index % PATHS.length] ?? []) {
    await tx.query('update public.commitments set status = $2 where id = $1', [id, status]);
  }
}

/**
 * Adds `count` commitments to a seeded legacy database, each with alice as its creator
 * or a party (so she sees every one), one or two other parties, the four types and
 * five statuses in turn; in one transaction, before the targets are backfilled.
 */
export async function seedPeerCommitments(db: Database, count: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let index = 0; index < count; index++) await seedOne(tx, index);
  });
}
