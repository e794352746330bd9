-- Triggers: version and updated_at bookkeeping, the creator's party row, document
-- versions, and the audit trail in commitment_history.

create or replace function public.bump_commitment_version() returns trigger
language plpgsql as $$
begin
  new.version := old.version + 1;
  new.updated_at := now();
  return new;
end
$$;

create trigger commitments_bump_version
  before update on public.commitments
  for each row execute function public.bump_commitment_version();

-- Runs as the table owner: the creator becomes a party even though the
-- parties insert policy requires being a party already.
create or replace function public.add_creator_party() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  insert into public.commitment_parties (commitment_id, profile_id, role, joined_at)
  values (new.id, new.created_by, 'CREATOR', new.created_at);
  return new;
end
$$;

-- Triggers of one event fire in name order: commitments_history (h) records the
-- commitment before commitments_seat_creator (s) adds the creator's party.
create trigger commitments_seat_creator
  after insert on public.commitments
  for each row execute function public.add_creator_party();

-- A document attached again under the same name becomes its next version.
-- The unique (commitment_id, name, version) constraint rejects a concurrent duplicate.
create or replace function public.next_document_version() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  select coalesce(max(version), 0) + 1 into new.version
  from public.commitment_documents
  where commitment_id = new.commitment_id and name = new.name;
  return new;
end
$$;

create trigger commitment_documents_next_version
  before insert on public.commitment_documents
  for each row execute function public.next_document_version();

create or replace function public.record_commitment_history() returns trigger
language plpgsql security definer set search_path = public as $$
declare
  target_id uuid;
  target_version integer;
begin
  if tg_table_name = 'commitments' then
    target_id := new.id;
    target_version := new.version;
  else
    target_id := new.commitment_id;
    select version into target_version from public.commitments where id = new.commitment_id;
  end if;
  insert into public.commitment_history
    (commitment_id, commitment_version, entity, operation, row_data, changed_by)
  values (
    target_id,
    target_version,
    case tg_table_name
      when 'commitments' then 'commitment'
      when 'commitment_parties' then 'party'
      else 'document'
    end,
    tg_op,
    to_jsonb(new),
    auth.uid()
  );
  return new;
end
$$;

create trigger commitments_history
  after insert or update on public.commitments
  for each row execute function public.record_commitment_history();
create trigger commitment_parties_history
  after insert or update on public.commitment_parties
  for each row execute function public.record_commitment_history();
create trigger commitment_documents_history
  after insert or update on public.commitment_documents
  for each row execute function public.record_commitment_history();
