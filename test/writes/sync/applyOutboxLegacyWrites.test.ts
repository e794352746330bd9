// Outbox entries meeting legacy's own writes: rows written past figway first, and legacy's triggers.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { COMMITMENTS, type CommitmentDocument } from '../../../src/backends/ledger/commitmentDocument.ts';
import { applyOutbox } from '../../../src/writes/sync/applyOutbox.ts';
import type { OutboxEntry } from '../../../src/writes/sync/syncTypes.ts';
import { writeCommitmentToLegacy } from '../../../src/writes/sync/writeToLegacy.ts';
import { demoId } from '../../support/capturedChanges.ts';
import {
  fixture,
  iso,
  legacyChildren,
  legacyCommitment,
  newestRevision,
  outboxOf,
  useApplyOutboxDatabases,
  userId,
} from './applyOutboxFixture.ts';

const engines = await testEngines();

describe.each(engines)('applyOutbox ($name)', (engine) => {
  useApplyOutboxDatabases(engine);

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
