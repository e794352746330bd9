// The outbox row a mirrored ledger write commits, and applying outbox entries to legacy.
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import { withWriteIntent } from '../../../src/core/writeIntent.ts';
import { applyOutbox, EARLIER_CHANGE_FAILED } from '../../../src/writes/sync/applyOutbox.ts';
import { toOutboxEntry } from '../../../src/writes/sync/queueRows.ts';
import { demoId } from '../../support/capturedChanges.ts';
import {
  changesSince,
  commitments,
  fixture,
  iso,
  LIVE,
  lastChangeId,
  legacyChildren,
  legacyCommitment,
  newestRevision,
  outboxOf,
  useApplyOutboxDatabases,
  userId,
  viewerOf,
} from './applyOutboxFixture.ts';

const engines = await testEngines();

describe.each(engines)('applyOutbox ($name)', (engine) => {
  useApplyOutboxDatabases(engine);

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
});
