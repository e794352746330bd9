import { DEMO_USERS } from '../backends/supabase/seed/demoUsers.ts';

/** The demo username of a user id (`alice`), or the id itself: demo names read better in the embedded default. */
export function demoUserName(id: string): string {
  return DEMO_USERS.find((user) => user.id === id)?.username ?? id;
}
