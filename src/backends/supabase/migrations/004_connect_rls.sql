-- Row-level security: a user sees and changes only commitments they are a party to.
-- service_role has BYPASSRLS; anon sees commitment types and nothing private.

-- Security definer, so the policies on commitments and on commitment_parties
-- can consult each other without recursing into one another's policies.
create or replace function public.is_commitment_party(target uuid) returns boolean
language sql stable security definer set search_path = public as $$
  select exists (
    select 1 from public.commitment_parties
    where commitment_id = target and profile_id = auth.uid()
  ) or exists (
    select 1 from public.commitments
    where id = target and created_by = auth.uid()
  )
$$;
grant execute on function public.is_commitment_party(uuid) to authenticated, service_role;

alter table public.profiles enable row level security;
alter table public.commitment_types enable row level security;
alter table public.commitments enable row level security;
alter table public.commitment_parties enable row level security;
alter table public.commitment_documents enable row level security;
alter table public.commitment_history enable row level security;

create policy "profiles are visible to signed-in users" on public.profiles
  for select to authenticated using (true);

create policy "commitment types are public" on public.commitment_types
  for select to anon, authenticated using (true);

-- created_by is tested on the row itself: during INSERT ... RETURNING the new row
-- is not yet visible to the query inside is_commitment_party.
create policy "parties see their commitments" on public.commitments
  for select to authenticated using (created_by = auth.uid() or public.is_commitment_party(id));
create policy "users create commitments as themselves" on public.commitments
  for insert to authenticated with check (created_by = auth.uid());
create policy "parties change their commitments" on public.commitments
  for update to authenticated
  using (public.is_commitment_party(id)) with check (public.is_commitment_party(id));

create policy "parties see the parties of their commitments" on public.commitment_parties
  for select to authenticated using (public.is_commitment_party(commitment_id));
create policy "parties add parties to their commitments" on public.commitment_parties
  for insert to authenticated with check (public.is_commitment_party(commitment_id));

create policy "parties see the documents of their commitments" on public.commitment_documents
  for select to authenticated using (public.is_commitment_party(commitment_id));
create policy "parties attach documents to their commitments" on public.commitment_documents
  for insert to authenticated with check (public.is_commitment_party(commitment_id));

create policy "parties see the history of their commitments" on public.commitment_history
  for select to authenticated using (public.is_commitment_party(commitment_id));
