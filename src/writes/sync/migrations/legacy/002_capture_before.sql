-- The row before an UPDATE, captured next to the row after it, so that the change
-- feed can tell a status change from any other edit of a commitment (a title edit
-- is no STATUS_CHANGED). Null for INSERT and DELETE, and for changes captured
-- before this migration.

alter table figway.legacy_changes add column before_data jsonb;

-- The same capture as 001, plus before_data; the triggers keep calling it by name.
create or replace function figway.capture_change() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
declare
  captured jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb;
begin
  insert into figway.legacy_changes (entity, entity_id, table_name, operation, row_data, before_data, origin, actor)
  values (
    case tg_table_name
      when 'profiles' then 'profile'
      when 'commitment_types' then 'commitment_type'
      else 'commitment'
    end,
    case when tg_table_name in ('commitment_parties', 'commitment_documents')
      then (captured ->> 'commitment_id')::uuid
      else (captured ->> 'id')::uuid
    end,
    tg_table_name,
    tg_op,
    captured,
    case when tg_op = 'UPDATE' then to_jsonb(old) end,
    coalesce(nullif(current_setting('figway.origin', true), ''), 'legacy'),
    -- Only a well-formed uuid: a malformed claim must never fail the application's write.
    case when claims ->> 'sub' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
      then (claims ->> 'sub')::uuid end
  );
  return null;
end
$$;
