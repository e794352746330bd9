-- The OLTP service's own data: profiles and commitment types, moved out of the
-- legacy Supabase project. Plain PostgreSQL: access rules live in the adapter.

create schema if not exists oltp;

create table oltp.profiles (
  id uuid primary key,
  username text not null unique check (username ~ '^[a-z0-9_]{2,32}$'),
  display_name text not null,
  avatar_url text,
  created_at timestamptz(3) not null
);

create table oltp.commitment_types (
  id uuid primary key,
  name text not null unique,
  description text not null default ''
);
