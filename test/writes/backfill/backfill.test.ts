import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import type { CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import { DEMO_COMMITMENTS } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { backfillCommitments } from '../../../src/writes/backfill/backfillCommitments.ts';
import { backfillProfiles } from '../../../src/writes/backfill/backfillReferenceData.ts';
import type { BackfillProgress } from '../../../src/writes/backfill/backfillTypes.ts';

const engines = await testEngines();

async function historyCounts(fixture: MigrationFixture) {
  const rows = await fixture.legacy.query(
    'select commitment_id::text as id, count(*)::int as n from public.commitment_history group by commitment_id',
  );
  return new Map(rows.map((row) => [String(row.id), Number(row.n)]));
}

async function revisionCounts(fixture: MigrationFixture) {
  const rows = await fixture.ledger.db.query(
    "select document_id as id, count(*)::int as n, count(distinct version)::int as versions from ledger.revisions where table_name = 'commitments' group by document_id",
  );
  return new Map(rows.map((row) => [String(row.id), { n: Number(row.n), versions: Number(row.versions) }]));
}

describe.each(engines)('backfill ($name)', (engine) => {
  let fixture: MigrationFixture;
  beforeEach(async () => {
    fixture = await createMigrationFixture(engine);
  });
  afterEach(() => fixture.drop());

  it('turns each commitment audit trail into its ledger revisions, in order', async () => {
    const summary = await backfillCommitments(fixture.legacy, fixture.ledger);
    expect(summary).toMatchObject({
      total: 22,
      read: 22,
      written: 22,
      skipped: 0,
      failed: 0,
      interrupted: false,
    });
    const history = await historyCounts(fixture);
    const revisions = await revisionCounts(fixture);
    expect(summary.revisions).toBe([...history.values()].reduce((sum, n) => sum + n, 0));
    for (const [id, n] of history) expect(revisions.get(id), id).toEqual({ n, versions: n });
    const demo = DEMO_COMMITMENTS[3];
    const states = await fixture.ledger.history<CommitmentDocument>('commitments', demo?.id ?? '');
    const statuses = states
      .map((revision) => revision.data.status)
      .filter((status, i, all) => status !== all[i - 1]);
    expect(statuses).toEqual(['DRAFT', ...(demo?.path ?? [])]);
    expect(
      states
        .at(-1)
        ?.data.parties.map((party) => party.role)
        .sort(),
    ).toEqual(['CREATOR', 'PARTICIPANT']);
  });

  it('skips everything on a second run and appends nothing', async () => {
    await backfillCommitments(fixture.legacy, fixture.ledger);
    const before = await revisionCounts(fixture);
    const again = await backfillCommitments(fixture.legacy, fixture.ledger);
    expect(again).toMatchObject({ read: 22, written: 0, skipped: 22, failed: 0, revisions: 0 });
    expect(await revisionCounts(fixture)).toEqual(before);
    expect((await fixture.ledger.verifyJournal()).ok).toBe(true);
  });

  it('resumes an interrupted run where it stopped, with no duplicates', async () => {
    const abort = new AbortController();
    const seen: BackfillProgress[] = [];
    const first = await backfillCommitments(fixture.legacy, fixture.ledger, {
      batchSize: 5,
      signal: abort.signal,
      onProgress: (progress) => {
        seen.push(progress);
        if (seen.length === 2) abort.abort();
      },
    });
    expect(first).toMatchObject({ interrupted: true, read: 10, written: 10 });
    expect((await revisionCounts(fixture)).size).toBe(10);
    const second = await backfillCommitments(fixture.legacy, fixture.ledger, { batchSize: 5 });
    // The cursor skips the ten already copied: the resumed run reads only the rest.
    expect(second).toMatchObject({ interrupted: false, read: 12, written: 12, skipped: 0 });
    const history = await historyCounts(fixture);
    const revisions = await revisionCounts(fixture);
    expect(revisions.size).toBe(22);
    for (const [id, n] of history) expect(revisions.get(id), id).toEqual({ n, versions: n });
  });

  it('appends only what legacy gained since the last run', async () => {
    await backfillCommitments(fixture.legacy, fixture.ledger);
    const id = DEMO_COMMITMENTS[0]?.id ?? '';
    await fixture.legacy.query("update public.commitments set status = 'PROPOSED' where id = $1", [id]);
    const summary = await backfillCommitments(fixture.legacy, fixture.ledger);
    expect(summary).toMatchObject({ written: 1, skipped: 21, revisions: 1 });
    const current = await fixture.ledger.current<CommitmentDocument>('commitments', id);
    expect(current?.data.status).toBe('PROPOSED');
  });

  it('counts a commitment whose trail cannot be replayed as failed, names it, and copies the rest', async () => {
    const broken = DEMO_COMMITMENTS[5]?.id ?? '';
    await fixture.legacy.query(
      "delete from public.commitment_history where commitment_id = $1 and entity = 'commitment' and operation = 'INSERT'",
      [broken],
    );
    const summary = await backfillCommitments(fixture.legacy, fixture.ledger, { batchSize: 4 });
    expect(summary).toMatchObject({ read: 22, written: 21, failed: 1 });
    expect(summary.failures).toEqual([
      { id: broken, error: expect.stringMatching(/before the commitment exists/) },
    ]);
    expect(await fixture.ledger.current('commitments', broken)).toBeNull();
  });

  it('copies profiles once, then only the ones the OLTP service lacks', async () => {
    expect(await backfillProfiles(fixture.legacy, fixture.oltp)).toMatchObject({
      read: 5,
      written: 5,
      skipped: 0,
    });
    expect(await backfillProfiles(fixture.legacy, fixture.oltp)).toMatchObject({
      read: 5,
      written: 0,
      skipped: 5,
    });
    // A profile the OLTP service holds is the change applier's (and reconcile --repair's)
    // to update: a backfill never overwrites it with what it read.
    await fixture.legacy.query(
      "update public.profiles set display_name = 'Alice A.' where username = 'alice'",
    );
    await fixture.oltp.db.query("delete from oltp.profiles where username = 'bob'");
    expect(await backfillProfiles(fixture.legacy, fixture.oltp)).toMatchObject({ written: 1, skipped: 4 });
    const names = await fixture.oltp.db.query(
      "select username, display_name from oltp.profiles where username in ('alice', 'bob') order by username",
    );
    expect(names.map((row) => row.username)).toEqual(['alice', 'bob']);
    expect(names[0]?.display_name).not.toBe('Alice A.');
  });
});
