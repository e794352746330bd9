-- The Connect triggers learn figway's mirror. A write served by the target (stages
-- live and rampdown) is copied to legacy by a transaction that first sets
-- `figway.origin` to 'mirror' (set_config(..., true): for that transaction only).
-- Such a transaction brings legacy's rows to a state the target already decided:
-- the version, timestamps, party ids and document versions are the target's, and
-- the triggers must keep them, or legacy would drift from the target on every
-- mirrored write (a second version bump, a creator seated twice under a new id,
-- a document renumbered). Every other write behaves exactly as before.

create or replace function public.bump_commitment_version() returns trigger
language plpgsql as $$
begin
  -- The mirror writes the version and updated_at the target gave the change.
  if current_setting('figway.origin', true) = 'mirror' then
    return new;
  end if;
  new.version := old.version + 1;
  new.updated_at := now();
  return new;
end
$$;

-- Runs as the table owner: the creator becomes a party even though the
-- parties insert policy requires being a party already.
create or replace function public.add_creator_party() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  -- The mirror inserts the commitment's parties itself, under the target's ids;
  -- seating the creator here too would add a second party with an id the target never had.
  if current_setting('figway.origin', true) = 'mirror' then
    return new;
  end if;
  insert into public.commitment_parties (commitment_id, profile_id, role, joined_at)
  values (new.id, new.created_by, 'CREATOR', new.created_at);
  return new;
end
$$;

-- A document attached again under the same name becomes its next version.
-- The unique (commitment_id, name, version) constraint rejects a concurrent duplicate.
create or replace function public.next_document_version() returns trigger
language plpgsql security definer set search_path = public as $$
begin
  -- The mirror copies a version the target already numbered.
  if current_setting('figway.origin', true) = 'mirror' then
    return new;
  end if;
  select coalesce(max(version), 0) + 1 into new.version
  from public.commitment_documents
  where commitment_id = new.commitment_id and name = new.name;
  return new;
end
$$;
