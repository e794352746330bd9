-- What a Supabase project provides before any application migration runs:
-- the API roles, the auth schema with its users table, and the helpers that
-- read the caller's JWT claims (auth.uid(), auth.jwt(), auth.role()).
-- Applied only where there is no auth schema yet (a plain PostgreSQL): a Supabase
-- database keeps its own, since replacing its auth.uid() fails there (the auth
-- functions belong to supabase_auth_admin) and would change how it reads tokens.
-- The roles are created only when missing, as several databases of one server share them.

do $platform$
begin
  if to_regnamespace('auth') is not null then
    return;
  end if;

  begin
    create role anon nologin noinherit;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    create role authenticated nologin noinherit;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    -- service_role bypasses row-level security, as on a hosted project.
    create role service_role nologin noinherit bypassrls;
  exception when duplicate_object or unique_violation then null;
  end;

  create schema auth;
  grant usage on schema auth to anon, authenticated, service_role;
  grant usage on schema public to anon, authenticated, service_role;

  create table auth.users (
    id uuid primary key,
    email text unique,
    role text not null default 'authenticated',
    raw_app_meta_data jsonb not null default '{}'::jsonb,
    raw_user_meta_data jsonb not null default '{}'::jsonb,
    created_at timestamptz(3) not null default now()
  );

  -- The claims PostgREST puts in request.jwt.claims for the current transaction.
  create function auth.jwt() returns jsonb
  language sql stable as $fn$
    select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
  $fn$;

  create function auth.uid() returns uuid
  language sql stable as $fn$
    select nullif(auth.jwt() ->> 'sub', '')::uuid
  $fn$;

  create function auth.role() returns text
  language sql stable as $fn$
    select nullif(auth.jwt() ->> 'role', '')
  $fn$;

  grant execute on function auth.jwt(), auth.uid(), auth.role() to anon, authenticated, service_role;
end
$platform$;
