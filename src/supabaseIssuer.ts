/**
 * The `iss` Supabase Auth puts on a project's user tokens,
 * `https://<project>.supabase.co/auth/v1`, derived from whichever of the project's
 * URLs is known: its API URL, its JWKS URL, or its database URL (direct,
 * `db.<project>.supabase.co`, or pooled, user `postgres.<project>`). Null when none
 * names a Supabase project (a self-hosted or plain PostgreSQL).
 */
export function supabaseIssuer(urls: { apiUrl?: string; jwksUrl?: string; dbUrl?: string }): string | null {
  if (urls.apiUrl !== undefined) return `${urls.apiUrl.replace(/\/+$/, '')}/auth/v1`;
  if (urls.jwksUrl !== undefined) {
    const jwks = new URL(urls.jwksUrl);
    const auth = jwks.pathname.replace(/\/\.well-known\/jwks\.json$/, '');
    if (auth !== jwks.pathname) return `${jwks.origin}${auth}`;
  }
  if (urls.dbUrl !== undefined) {
    const db = new URL(urls.dbUrl);
    const direct = /^db\.([a-z0-9]+)\.supabase\.co$/i.exec(db.hostname)?.[1];
    const pooled = db.hostname.endsWith('.pooler.supabase.com')
      ? /^postgres\.([a-z0-9]+)$/i.exec(decodeURIComponent(db.username))?.[1]
      : undefined;
    const project = direct ?? pooled;
    if (project !== undefined) return `https://${project}.supabase.co/auth/v1`;
  }
  return null;
}
