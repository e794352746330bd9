import type { CommitmentStatus, ConnectStore } from '../../src/backends/connectStore.ts';
import { DEMO_COMMITMENTS, type DemoCommitment } from '../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS, type DemoUser } from '../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../src/backends/viewer.ts';

/** What every part of the ConnectStore contract reaches: the store set up for this run and the demo viewers. */
export interface Contract {
  label: string;
  store(): ConnectStore;
  as(username: string): Viewer;
}

/** The demo user called `username`; throws for unknown names. */
export function demoUser(username: string): DemoUser {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user;
}

// The seed in the terms a viewer sees: ids newest first (created_at grows with the index).
const SEEDED_NEWEST_FIRST = [...DEMO_COMMITMENTS].reverse();
/** Every seeded commitment's id, newest first. */
export const ALL_IDS = SEEDED_NEWEST_FIRST.map((commitment) => commitment.id);

/** The status a seeded commitment ends its path in. */
export function finalStatus(commitment: DemoCommitment): CommitmentStatus {
  return commitment.path.at(-1) ?? 'DRAFT';
}

/** Whether `username` created the seeded commitment or is one of its parties. */
export function isParty(commitment: DemoCommitment, username: string): boolean {
  return commitment.creator === username || commitment.parties.some((party) => party.username === username);
}

/** The ids of the seeded commitments `keep` accepts, newest first. */
export function seededIdsWhere(keep: (commitment: DemoCommitment) => boolean): string[] {
  return SEEDED_NEWEST_FIRST.filter(keep).map((commitment) => commitment.id);
}

function seeded(index: number) {
  const commitment = DEMO_COMMITMENTS[index];
  if (commitment === undefined) throw new Error(`no demo commitment ${index}`);
  return commitment;
}

/** Alice and carol only; bob is no party to it. It has terms.pdf twice. */
export const ALICE_ONLY = seeded(0);
/** Alice, bob (participant) and carol (witness). */
export const SHARED = seeded(2);
