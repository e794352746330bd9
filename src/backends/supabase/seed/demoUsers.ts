/** A user of the demo data set, with what their Supabase JWT says about them. */
export interface DemoUser {
  id: string;
  username: string;
  displayName: string;
  email: string;
  /** The Unleash cohort, carried in the JWT's `app_metadata.cohort`. */
  cohort: 'beta' | 'general' | 'staff';
  role: 'authenticated' | 'service_role';
}

/** The seeded users: two beta users, two general users and an admin with `service_role`. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: 'a11ce000-0000-4000-8000-000000000001',
    username: 'alice',
    displayName: 'Alice Adeyemi',
    email: 'alice@example.com',
    cohort: 'beta',
    role: 'authenticated',
  },
  {
    id: 'b0b00000-0000-4000-8000-000000000002',
    username: 'bob',
    displayName: 'Bob Brennan',
    email: 'bob@example.com',
    cohort: 'general',
    role: 'authenticated',
  },
  {
    id: 'ca201000-0000-4000-8000-000000000003',
    username: 'carol',
    displayName: 'Carol Castillo',
    email: 'carol@example.com',
    cohort: 'beta',
    role: 'authenticated',
  },
  {
    id: 'da7e0000-0000-4000-8000-000000000004',
    username: 'dave',
    displayName: 'Dave Dimitrov',
    email: 'dave@example.org',
    cohort: 'general',
    role: 'authenticated',
  },
  {
    id: 'ad000000-0000-4000-8000-000000000005',
    username: 'admin',
    displayName: 'Connect Admin',
    email: 'admin@example.com',
    cohort: 'staff',
    role: 'service_role',
  },
];

/** The demo user called `username`, or undefined. */
export function findDemoUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username);
}
