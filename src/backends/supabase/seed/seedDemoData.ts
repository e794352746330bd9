import type { Database, Transaction } from '../../../core/database.ts';
import { DEMO_COMMITMENTS, DEMO_TYPES } from './demoCommitments.ts';
import { DEMO_USERS, type DemoUser } from './demoUsers.ts';

const FIRST_DAY = Date.parse('2026-01-05T09:00:00.000Z');
const HOUR = 3_600_000;

function idOf(username: string): string {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`demo data names an unknown user ${username}`);
  return user.id;
}

async function actAs(tx: Transaction, username: string) {
  await tx.query("select set_config('request.jwt.claims', $1, true)", [
    JSON.stringify({ sub: idOf(username), role: 'authenticated' }),
  ]);
}

async function seedUser(tx: Transaction, user: DemoUser, index: number) {
  const createdAt = new Date(FIRST_DAY - (10 - index) * 24 * HOUR).toISOString();
  await tx.query(
    `insert into auth.users (id, email, role, raw_app_meta_data, created_at)
     values ($1, $2, $3, $4, $5)`,
    [user.id, user.email, user.role, JSON.stringify({ provider: 'email', cohort: user.cohort }), createdAt],
  );
  await tx.query(
    `insert into public.profiles (id, username, display_name, avatar_url, created_at)
     values ($1, $2, $3, $4, $5)`,
    [user.id, user.username, user.displayName, `https://avatars.example.com/${user.username}.png`, createdAt],
  );
}

/**
 * Fills an empty legacy database with the demo data: users, profiles, commitment
 * types, and the demo commitments with their parties, documents and status
 * changes, each change made as the acting user so the audit trail records who.
 * Does nothing when the database already holds profiles.
 */
export async function seedDemoData(db: Database): Promise<boolean> {
  return db.transaction(async (tx) => {
    const existing = await tx.query('select 1 from public.profiles limit 1');
    if (existing.length > 0) return false;
    for (const [index, user] of DEMO_USERS.entries()) await seedUser(tx, user, index);
    for (const type of DEMO_TYPES) {
      await tx.query('insert into public.commitment_types (id, name, description) values ($1, $2, $3)', [
        type.id,
        type.name,
        type.description,
      ]);
    }
    for (const [index, commitment] of DEMO_COMMITMENTS.entries()) {
      const createdAt = new Date(FIRST_DAY + index * 26 * HOUR).toISOString();
      const typeId = DEMO_TYPES.find((type) => type.name === commitment.type)?.id;
      await actAs(tx, commitment.creator);
      await tx.query(
        `insert into public.commitments (id, title, description, type_id, terms, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6)`,
        [
          commitment.id,
          commitment.title,
          `${commitment.title}, agreed between the parties listed.`,
          typeId,
          'Payment within 30 days of each milestone. Disputes go to mediation first.',
          createdAt,
        ],
      );
      for (const [seat, party] of commitment.parties.entries()) {
        const joinedAt = new Date(Date.parse(createdAt) + (seat + 1) * 60_000).toISOString();
        await tx.query(
          'insert into public.commitment_parties (commitment_id, profile_id, role, joined_at) values ($1, $2, $3, $4)',
          [commitment.id, idOf(party.username), party.role, joinedAt],
        );
      }
      for (const name of commitment.documents) {
        await tx.query(
          'insert into public.commitment_documents (commitment_id, name, url, uploaded_at) values ($1, $2, $3, $4)',
          [commitment.id, name, `https://files.example.com/${commitment.id}/${name}`, createdAt],
        );
      }
      for (const status of commitment.path) {
        await tx.query('update public.commitments set status = $2 where id = $1', [commitment.id, status]);
      }
    }
    return true;
  });
}
