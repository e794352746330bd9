/** The verified claims of a Supabase JWT, passed to PostgreSQL as `request.jwt.claims`. */
export type JwtClaims = Record<string, unknown>;

/**
 * Who is asking: nobody (no token), a signed-in user, or a `service_role` caller
 * that bypasses row-level security.
 */
export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      id: string;
      email: string | null;
      cohort: string | null;
      claims: JwtClaims;
      /** The verified bearer token, forwarded as-is to a hosted Supabase project. */
      token: string;
    }
  | { kind: 'service'; id: string | null; claims: JwtClaims; token: string };

/** figway's own reads that bypass row-level security (service_role, no user). */
export const SERVICE_ROLE: Viewer = {
  kind: 'service',
  id: null,
  claims: { role: 'service_role' },
  token: '',
};

/** The anonymous viewer. */
export const ANONYMOUS: Viewer = { kind: 'anonymous' };

/** The PostgreSQL role a viewer's queries run as, the way PostgREST picks it. */
export function databaseRole(viewer: Viewer): 'anon' | 'authenticated' | 'service_role' {
  switch (viewer.kind) {
    case 'anonymous':
      return 'anon';
    case 'user':
      return 'authenticated';
    case 'service':
      return 'service_role';
  }
}

/** The claims a viewer's queries see through `auth.jwt()`. */
export function databaseClaims(viewer: Viewer): JwtClaims {
  return viewer.kind === 'anonymous' ? { role: 'anon' } : viewer.claims;
}
