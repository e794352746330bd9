-- The Connect commitments data model, as the application's Supabase project has it.
-- Timestamps carry millisecond precision so that they survive a round trip
-- through JSON and keyset cursors unchanged.

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text not null unique check (username ~ '^[a-z0-9_]{2,32}$'),
  display_name text not null,
  avatar_url text,
  created_at timestamptz(3) not null default now()
);

create table public.commitment_types (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  description text not null default ''
);

create table public.commitments (
  id uuid primary key default gen_random_uuid(),
  title text not null check (length(title) between 1 and 200),
  description text not null default '',
  type_id uuid not null references public.commitment_types (id),
  status text not null default 'DRAFT'
    check (status in ('DRAFT', 'PROPOSED', 'ACTIVE', 'FULFILLED', 'BREACHED', 'CANCELLED')),
  terms text not null default '',
  version integer not null default 1,
  created_by uuid not null default auth.uid() references public.profiles (id),
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now()
);
create index commitments_listing on public.commitments (created_at desc, id desc);
create index commitments_by_status on public.commitments (status, created_at desc, id desc);

create table public.commitment_parties (
  id uuid primary key default gen_random_uuid(),
  commitment_id uuid not null references public.commitments (id) on delete cascade,
  profile_id uuid not null references public.profiles (id),
  role text not null check (role in ('CREATOR', 'PARTICIPANT', 'WITNESS')),
  joined_at timestamptz(3) not null default now(),
  unique (commitment_id, profile_id)
);
create index commitment_parties_by_profile on public.commitment_parties (profile_id);

create table public.commitment_documents (
  id uuid primary key default gen_random_uuid(),
  commitment_id uuid not null references public.commitments (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  url text not null,
  version integer not null default 1,
  uploaded_by uuid default auth.uid() references public.profiles (id),
  uploaded_at timestamptz(3) not null default now(),
  unique (commitment_id, name, version)
);

-- The audit trail: one row per change to a commitment, its parties or its documents.
create table public.commitment_history (
  id bigint generated always as identity primary key,
  commitment_id uuid not null references public.commitments (id) on delete cascade,
  commitment_version integer not null,
  entity text not null check (entity in ('commitment', 'party', 'document')),
  operation text not null check (operation in ('INSERT', 'UPDATE')),
  row_data jsonb not null,
  changed_by uuid,
  changed_at timestamptz(3) not null default now()
);
create index commitment_history_by_commitment on public.commitment_history (commitment_id, id);

-- As on a hosted project, the API roles hold table privileges and row-level
-- security (004) decides which rows each caller sees.
grant select on all tables in schema public to anon, authenticated, service_role;
grant insert, update on public.commitments, public.commitment_parties,
  public.commitment_documents to authenticated, service_role;
grant insert, update on public.profiles, public.commitment_types to service_role;
