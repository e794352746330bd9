import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture, type MigrationFixture } from '../../../harness/targetDatabases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import {
  createLedgerCommitments,
  type LedgerCommitments,
} from '../../../src/backends/ledger/ledgerCommitments.ts';
import { applyMigrations } from '../../../src/backends/sql/applyMigrations.ts';
import { DEMO_COMMITMENTS } from '../../../src/backends/supabase/seed/demoCommitments.ts';
import { DEMO_USERS } from '../../../src/backends/supabase/seed/demoUsers.ts';
import type { Viewer } from '../../../src/backends/viewer.ts';
import type { Row } from '../../../src/core/database.ts';
import { withWriteIntent } from '../../../src/core/writeIntent.ts';
import { BACKFILL_JOBS } from '../../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../../src/writes/backfill/runBackfill.ts';
import { applyOutbox, EARLIER_CHANGE_FAILED } from '../../../src/writes/sync/applyOutbox.ts';
import { toOutboxEntry } from '../../../src/writes/sync/queueRows.ts';
import { CAPTURE_MIGRATIONS, SYNC_MIGRATIONS } from '../../../src/writes/sync/syncMigrations.ts';
import type { OutboxEntry } from '../../../src/writes/sync/syncTypes.ts';
import { writeCommitmentToLegacy } from '../../../src/writes/sync/writeToLegacy.ts';

const engines = await testEngines();

const LIVE = { unit: 'Mutation.updateCommitmentStatus', stage: 'live', mirrorTo: 'legacy' } as const;

function userId(username: string): string {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  return user.id;
}

function viewerOf(username: string): Viewer {
  const id = userId(username);
  return {
    kind: 'user',
    id,
    email: null,
    cohort: null,
    claims: { sub: id, role: 'authenticated' },
    token: '',
  };
}

function demoId(index: number): string {
  const demo = DEMO_COMMITMENTS[index];
  if (demo === undefined) throw new Error(`no demo commitment ${index}`);
  return demo.id;
}

// A timestamptz column as the ISO string the ledger writes (pg and PGlite give a Date).
function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : `not a timestamp: ${String(value)}`;
}

describe.each(engines)('applyOutbox ($name)', (engine) => {
  let fixture: MigrationFixture;
  let commitments: LedgerCommitments;

  beforeAll(async () => {
    fixture = await createMigrationFixture(engine);
    await applyMigrations(fixture.legacy, CAPTURE_MIGRATIONS);
    await applyMigrations(fixture.ledger.db, SYNC_MIGRATIONS);
    for (const job of BACKFILL_JOBS) {
      await runBackfill(job, { legacy: fixture.legacy, ledger: fixture.ledger, oltp: fixture.oltp });
    }
    commitments = createLedgerCommitments(fixture.ledger);
  }, 180_000);
  afterAll(() => fixture?.drop());

  async function outboxOf(id: string): Promise<OutboxEntry[]> {
    const rows = await fixture.ledger.db.query(
      'select * from figway.outbox where entity_id = $1 order by id',
      [id],
    );
    return rows.map(toOutboxEntry);
  }

  async function newestRevision(id: string) {
    const revision = await fixture.ledger.current<CommitmentDocument>(COMMITMENTS, id);
    if (revision === null) throw new Error(`the ledger has no commitment ${id}`);
    return revision;
  }

  async function legacyCommitment(id: string): Promise<Row | undefined> {
    const [row] = await fixture.legacy.query('select * from public.commitments where id = $1', [id]);
    return row;
  }

  async function legacyChildren(table: 'commitment_parties' | 'commitment_documents', id: string) {
    return fixture.legacy.query(`select * from public.${table} where commitment_id = $1 order by id`, [id]);
  }

  async function lastChangeId(): Promise<number> {
    const [row] = await fixture.legacy.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
    return Number(row?.id);
  }

  async function changesSince(since: number, id: string) {
    return fixture.legacy.query('select * from figway.legacy_changes where id > $1 and entity_id = $2', [
      since,
      id,
    ]);
  }

  describe('the outbox row of a ledger write', () => {
    it('commits exactly one row naming the new revision when the write is mirrored to legacy', async () => {
      const id = demoId(0);
      const before = await newestRevision(id);
      const moved = await withWriteIntent(LIVE, () =>
        commitments.updateCommitmentStatus(viewerOf('alice'), id, 'DRAFT', 'PROPOSED'),
      );
      expect(moved?.status).toBe('PROPOSED');
      const after = await newestRevision(id);
      expect(after.metadata.version).toBe(before.metadata.version + 1);
      expect(await outboxOf(id)).toEqual([
        expect.objectContaining({
          entityId: id,
          unit: LIVE.unit,
          stage: 'live',
          actor: userId('alice'),
          revision: after.metadata.version,
        }),
      ]);
    });

    it('writes no row when the write mirrors nothing or runs outside a mutation', async () => {
      const id = demoId(13);
      await commitments.updateCommitmentStatus(viewerOf('alice'), id, 'PROPOSED', 'ACTIVE');
      await withWriteIntent({ ...LIVE, stage: 'complete', mirrorTo: null }, () =>
        commitments.updateCommitmentStatus(viewerOf('alice'), id, 'ACTIVE', 'FULFILLED'),
      );
      await withWriteIntent({ ...LIVE, stage: 'dualwrite', mirrorTo: 'target' }, () =>
        commitments.updateCommitmentStatus(viewerOf('alice'), id, 'FULFILLED', 'BREACHED'),
      );
      expect((await newestRevision(id)).data.status).toBe('BREACHED');
      expect(await outboxOf(id)).toEqual([]);
    });

    it('commits the revision only with its outbox row: a refused outbox row refuses the write', async () => {
      const id = demoId(7);
      const before = await newestRevision(id);
      await fixture.ledger.db.query(
        "alter table figway.outbox add constraint outbox_refused_unit check (unit <> 'Mutation.refused')",
      );
      try {
        await expect(
          withWriteIntent({ ...LIVE, unit: 'Mutation.refused' }, () =>
            commitments.updateCommitmentStatus(viewerOf('alice'), id, before.data.status, 'CANCELLED'),
          ),
        ).rejects.toThrow();
      } finally {
        await fixture.ledger.db.query('alter table figway.outbox drop constraint outbox_refused_unit');
      }
      expect((await newestRevision(id)).metadata.version).toBe(before.metadata.version);
      expect(await outboxOf(id)).toEqual([]);
    });
  });

  describe('applying entries to legacy', () => {
    it('brings legacy to the new status and version, audited as the actor and captured as the mirror', async () => {
      const id = demoId(6);
      const since = await lastChangeId();
      await withWriteIntent(LIVE, () =>
        commitments.updateCommitmentStatus(viewerOf('alice'), id, 'DRAFT', 'PROPOSED'),
      );
      const entries = await outboxOf(id);
      expect(await applyOutbox(fixture, entries)).toEqual([{ id: entries[0]?.id, result: 'applied' }]);

      const { data } = await newestRevision(id);
      const row = await legacyCommitment(id);
      expect(row).toMatchObject({ status: 'PROPOSED', version: data.version });
      expect(iso(row?.updated_at)).toBe(data.updatedAt);
      const [audit] = await fixture.legacy.query(
        'select * from public.commitment_history where commitment_id = $1 order by id desc limit 1',
        [id],
      );
      expect(audit).toMatchObject({ commitment_version: data.version, changed_by: userId('alice') });
      const captured = await changesSince(since, id);
      expect(captured.map((change) => [change.table_name, change.operation, change.origin])).toEqual([
        ['commitments', 'UPDATE', 'mirror'],
      ]);
      expect(captured[0]?.actor).toBe(userId('alice'));
    });

    it('creates a commitment made on the target with its party ids and no extra creator party', async () => {
      const alice = viewerOf('alice');
      const since = await lastChangeId();
      const created = await withWriteIntent({ ...LIVE, unit: 'Mutation.createCommitment' }, () =>
        commitments.createCommitment(alice, {
          title: 'Mirrored to legacy',
          description: 'Made on the ledger',
          typeId: '7e000000-0000-4000-8000-000000000002',
          terms: 'None',
        }),
      );
      const entries = await outboxOf(created.id);
      expect(entries.map((entry) => entry.revision)).toEqual([0]);
      expect(await applyOutbox(fixture, entries)).toEqual([{ id: entries[0]?.id, result: 'applied' }]);

      const { data } = await newestRevision(created.id);
      const row = await legacyCommitment(created.id);
      expect(row).toMatchObject({
        title: 'Mirrored to legacy',
        status: 'DRAFT',
        version: 1,
        created_by: userId('alice'),
      });
      expect(iso(row?.created_at)).toBe(data.createdAt);
      const parties = await legacyChildren('commitment_parties', created.id);
      expect(parties.map((party) => [party.id, party.profile_id, party.role])).toEqual(
        data.parties.map((party) => [party.id, party.profileId, party.role]),
      );
      // Legacy's creator trigger stood aside: no party was seated under an id of legacy's own, then removed.
      const captured = await changesSince(since, created.id);
      expect(captured.map((change) => [change.table_name, change.operation, change.origin])).toEqual([
        ['commitments', 'INSERT', 'mirror'],
        ['commitment_parties', 'INSERT', 'mirror'],
      ]);
    });

    it('brings added parties and attached documents with the same ids and versions', async () => {
      const alice = viewerOf('alice');
      const { id } = await withWriteIntent({ ...LIVE, unit: 'Mutation.createCommitment' }, () =>
        commitments.createCommitment(alice, {
          title: 'With parties and papers',
          description: '',
          typeId: '7e000000-0000-4000-8000-000000000001',
          terms: '',
        }),
      );
      await withWriteIntent({ ...LIVE, unit: 'Mutation.addParty' }, async () => {
        await commitments.addParty(alice, id, userId('bob'), 'PARTICIPANT');
        await commitments.attachDocument(alice, id, 'terms.pdf', 'https://example.com/terms-1.pdf');
        await commitments.attachDocument(alice, id, 'terms.pdf', 'https://example.com/terms-2.pdf');
      });
      const entries = await outboxOf(id);
      expect(entries.map((entry) => [entry.revision, entry.unit])).toEqual([
        [0, 'Mutation.createCommitment'],
        [1, 'Mutation.addParty'],
        [2, 'Mutation.addParty'],
        [3, 'Mutation.addParty'],
      ]);
      const outcomes = await applyOutbox(fixture, entries);
      expect(outcomes.map((outcome) => outcome.result)).toEqual(['applied', 'applied', 'applied', 'applied']);

      const { data } = await newestRevision(id);
      const parties = await legacyChildren('commitment_parties', id);
      expect(parties.map((party) => party.id).sort()).toEqual(data.parties.map((party) => party.id).sort());
      expect(parties.map((party) => party.profile_id).sort()).toEqual(
        [userId('alice'), userId('bob')].sort(),
      );
      const documents = await legacyChildren('commitment_documents', id);
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(
        documents.map((entry) => ({
          id: entry.id,
          name: entry.name,
          url: entry.url,
          version: entry.version,
          uploadedBy: entry.uploaded_by,
          uploadedAt: iso(entry.uploaded_at),
        })),
      ).toEqual([...data.documents].sort(byId));
      expect(data.documents.map((entry) => entry.version).sort()).toEqual([1, 2]);
    });

    it('changes nothing when the same entry is applied twice, or legacy already holds its revision', async () => {
      const id = demoId(12);
      await withWriteIntent(LIVE, () =>
        commitments.updateCommitmentStatus(viewerOf('bob'), id, 'DRAFT', 'PROPOSED'),
      );
      const entries = await outboxOf(id);
      expect((await applyOutbox(fixture, entries)).map((outcome) => outcome.result)).toEqual(['applied']);
      const since = await lastChangeId();
      const [historyBefore] = await fixture.legacy.query(
        'select count(*)::int as n from public.commitment_history where commitment_id = $1',
        [id],
      );

      expect(await applyOutbox(fixture, entries)).toEqual([{ id: entries[0]?.id, result: 'skipped' }]);
      // A second entry for the revision legacy already has (a write retried after its commit was lost).
      const [again] = await fixture.ledger.db.query(
        `insert into figway.outbox (entity, entity_id, unit, stage, actor, revision)
         select entity, entity_id, unit, stage, actor, revision from figway.outbox where id = $1 returning *`,
        [entries[0]?.id],
      );
      const duplicate = toOutboxEntry(again ?? {});
      expect(await applyOutbox(fixture, [duplicate])).toEqual([{ id: duplicate.id, result: 'skipped' }]);

      expect(await changesSince(since, id)).toEqual([]);
      const [historyAfter] = await fixture.legacy.query(
        'select count(*)::int as n from public.commitment_history where commitment_id = $1',
        [id],
      );
      expect(historyAfter?.n).toBe(historyBefore?.n);
      const applied = await fixture.legacy.query(
        'select outbox_id from figway.applied_outbox where outbox_id = any($1::bigint[]) order by outbox_id',
        [[entries[0]?.id, duplicate.id]],
      );
      expect(applied.map((row) => Number(row.outbox_id))).toEqual([entries[0]?.id, duplicate.id]);
    });

    it("fails an entry legacy refuses, and its commitment's later entries, while other commitments apply", async () => {
      const refused = demoId(1);
      const other = demoId(8);
      const current = await newestRevision(refused);
      const legacyBefore = await legacyCommitment(refused);
      const write = (data: CommitmentDocument, expectedVersion: number) =>
        fixture.ledger.write([{ tableName: COMMITMENTS, documentId: refused, data, expectedVersion }], (tx) =>
          tx
            .query(
              `insert into figway.outbox (entity, entity_id, unit, stage, actor, revision)
               values ('commitment', $1, 'Mutation.updateCommitment', 'live', null, $2)`,
              [refused, expectedVersion + 1],
            )
            .then(() => undefined),
        );
      // Legacy allows titles of at most 200 characters; the ledger takes anything.
      await write({ ...current.data, title: 'x'.repeat(300) }, current.metadata.version);
      await write({ ...current.data, title: 'Short again' }, current.metadata.version + 1);
      await withWriteIntent(LIVE, () =>
        commitments.updateCommitmentStatus(viewerOf('bob'), other, 'ACTIVE', 'FULFILLED'),
      );
      const [tooLong, shortAgain] = await outboxOf(refused);
      const [fulfilled] = await outboxOf(other);
      if (tooLong === undefined || shortAgain === undefined || fulfilled === undefined)
        throw new Error('the outbox lacks the entries just written');
      const missing = { ...fulfilled, id: fulfilled.id + 1_000, revision: 999 };

      const outcomes = await applyOutbox(fixture, [tooLong, shortAgain, fulfilled, missing]);
      expect(outcomes.map((outcome) => outcome.result)).toEqual(['failed', 'failed', 'applied', 'failed']);
      const [first, second, , fourth] = outcomes;
      expect(first?.result === 'failed' && first.error).toMatchObject({ code: '23514' });
      expect(second?.result === 'failed' && second.error).toMatchObject({
        message: EARLIER_CHANGE_FAILED,
        cause: expect.objectContaining({ code: '23514' }),
      });
      expect(fourth?.result === 'failed' && String(fourth.error)).toMatch(
        new RegExp(`no revision 999 of commitment ${other}`),
      );

      expect(await legacyCommitment(refused)).toEqual(legacyBefore);
      expect(await legacyCommitment(other)).toMatchObject({ status: 'FULFILLED' });
      const applied = await fixture.legacy.query(
        'select outbox_id from figway.applied_outbox where outbox_id = any($1::bigint[])',
        [[tooLong.id, shortAgain.id]],
      );
      expect(applied).toEqual([]);
    });
  });

  describe('legacy written past figway before an entry arrives', () => {
    /** A target write of `id` changed by `change`, committed with its outbox row, as a live mutation would. */
    async function writeOnTarget(
      id: string,
      change: (document: CommitmentDocument) => CommitmentDocument,
    ): Promise<OutboxEntry> {
      const current = await newestRevision(id);
      const revision = current.metadata.version + 1;
      await fixture.ledger.write(
        [
          {
            tableName: COMMITMENTS,
            documentId: id,
            data: change(current.data),
            expectedVersion: revision - 1,
          },
        ],
        (tx) =>
          tx
            .query(
              `insert into figway.outbox (entity, entity_id, unit, stage, actor, revision)
               values ('commitment', $1, 'Mutation.updateCommitment', 'live', null, $2)`,
              [id, revision],
            )
            .then(() => undefined),
      );
      const entry = (await outboxOf(id)).find((candidate) => candidate.revision === revision);
      if (entry === undefined) throw new Error(`no outbox entry for revision ${revision} of ${id}`);
      return entry;
    }

    /** Profiles that are not parties of `id` on legacy. */
    async function outsiders(id: string): Promise<string[]> {
      const rows = await fixture.legacy.query(
        `select id from public.profiles where id not in
           (select profile_id from public.commitment_parties where commitment_id = $1) order by id`,
        [id],
      );
      return rows.map((row) => String(row.id));
    }

    const cancelled = (document: CommitmentDocument): CommitmentDocument => ({
      ...document,
      status: 'CANCELLED',
      version: document.version + 1,
      updatedAt: new Date().toISOString(),
    });

    it("leaves a legacy row newer than the entry's revision, and the party added on legacy", async () => {
      const id = demoId(2);
      const entry = await writeOnTarget(id, cancelled);
      const { data } = await newestRevision(id);
      // Two updates on legacy (its version moves past the entry's) and a party, none of them through figway.
      await fixture.legacy.query("update public.commitments set title = 'Renamed on legacy' where id = $1", [
        id,
      ]);
      await fixture.legacy.query("update public.commitments set terms = 'Amended on legacy' where id = $1", [
        id,
      ]);
      const [outsider] = await outsiders(id);
      await fixture.legacy.query(
        "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
        [id, outsider],
      );
      const row = await legacyCommitment(id);
      const parties = await legacyChildren('commitment_parties', id);
      expect(Number(row?.version)).toBe(data.version + 1);

      expect(await applyOutbox(fixture, [entry])).toEqual([{ id: entry.id, result: 'skipped' }]);
      expect(await legacyCommitment(id)).toEqual(row);
      expect(await legacyChildren('commitment_parties', id)).toEqual(parties);
      expect(parties.map((party) => party.profile_id)).toContain(outsider);
      expect(
        await fixture.legacy.transaction((tx) =>
          writeCommitmentToLegacy(tx, data, { actor: null, exact: false }),
        ),
      ).toEqual({ changed: false, superseded: true });
    });

    it('brings the entry over an older legacy row, adding its party and keeping the one added on legacy', async () => {
      const id = demoId(3);
      const [onLegacy, onTarget] = await outsiders(id);
      if (onLegacy === undefined || onTarget === undefined) throw new Error('two outsiders expected');
      await fixture.legacy.query(
        "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS')",
        [id, onLegacy],
      );
      const added = {
        id: randomUUID(),
        profileId: onTarget,
        role: 'PARTICIPANT' as const,
        joinedAt: new Date().toISOString(),
      };
      const entry = await writeOnTarget(id, (document) => ({
        ...cancelled(document),
        parties: [...document.parties, added],
      }));

      expect(await applyOutbox(fixture, [entry])).toEqual([{ id: entry.id, result: 'applied' }]);
      const { data } = await newestRevision(id);
      expect(await legacyCommitment(id)).toMatchObject({ status: 'CANCELLED', version: data.version });
      const parties = await legacyChildren('commitment_parties', id);
      expect(parties.map((party) => String(party.profile_id)).sort()).toEqual(
        [...data.parties.map((party) => party.profileId), onLegacy].sort(),
      );
      expect(parties.find((party) => party.profile_id === onTarget)?.id).toBe(added.id);
    });

    it("keeps legacy's party of a profile the entry seats under another id, and applies the rest", async () => {
      const id = demoId(4);
      const [profile] = await outsiders(id);
      if (profile === undefined) throw new Error('an outsider expected');
      const [seated] = await fixture.legacy.query(
        "insert into public.commitment_parties (commitment_id, profile_id, role) values ($1, $2, 'WITNESS') returning id",
        [id, profile],
      );
      const entry = await writeOnTarget(id, (document) => ({
        ...cancelled(document),
        parties: [
          ...document.parties,
          { id: randomUUID(), profileId: profile, role: 'PARTICIPANT', joinedAt: new Date().toISOString() },
        ],
      }));

      expect(await applyOutbox(fixture, [entry])).toEqual([{ id: entry.id, result: 'applied' }]);
      expect(await legacyCommitment(id)).toMatchObject({ status: 'CANCELLED' });
      const parties = await legacyChildren('commitment_parties', id);
      expect(
        parties.filter((party) => party.profile_id === profile).map((party) => [party.id, party.role]),
      ).toEqual([[seated?.id, 'WITNESS']]);
    });
  });

  describe("legacy's own writes (005 leaves them as they were)", () => {
    it('bumps the version, seats the creator and numbers documents when the mirror is not writing', async () => {
      const id = demoId(10);
      const before = await legacyCommitment(id);
      await fixture.legacy.query("update public.commitments set terms = 'Amended' where id = $1", [id]);
      const after = await legacyCommitment(id);
      expect(after?.version).toBe(Number(before?.version) + 1);
      expect(Date.parse(iso(after?.updated_at))).toBeGreaterThan(Date.parse(iso(before?.updated_at)));

      const [created] = await fixture.legacy.query(
        `insert into public.commitments (title, type_id, created_by, version)
         values ('Written on legacy', '7e000000-0000-4000-8000-000000000003', $1, 7) returning id`,
        [userId('dave')],
      );
      const createdId = String(created?.id);
      const parties = await legacyChildren('commitment_parties', createdId);
      expect(parties.map((party) => [party.profile_id, party.role])).toEqual([[userId('dave'), 'CREATOR']]);

      for (const url of ['https://example.com/a', 'https://example.com/b']) {
        await fixture.legacy.query(
          "insert into public.commitment_documents (commitment_id, name, url, version) values ($1, 'plan.pdf', $2, 42)",
          [createdId, url],
        );
      }
      const documents = await legacyChildren('commitment_documents', createdId);
      expect(documents.map((entry) => entry.version).sort()).toEqual([1, 2]);
    });
  });
});
