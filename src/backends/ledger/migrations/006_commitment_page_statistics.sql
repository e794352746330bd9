-- Planner statistics for the commitment pages' visibility rule.
--
-- A page of commitments is read newest first from ledger.revisions through the
-- committed view, filtered by who may see each one (its creator, or a party to it).
-- Without statistics on the creator, PostgreSQL guessed that almost no revision
-- passes that filter, and planned a page for given parameters by reading the whole
-- table and sorting it instead of walking revisions_newest_first until the page was
-- full: five to seven times slower on a few hundred revisions, and growing with the
-- journal. ANALYZE (and autovacuum's) keeps these statistics from now on; nothing
-- is rewritten. Expression statistics need PostgreSQL 14 or later.
create statistics if not exists ledger.revisions_page_filters
  on (data ->> 'createdBy'), (data ->> 'status') from ledger.revisions;

analyze ledger.revisions;
