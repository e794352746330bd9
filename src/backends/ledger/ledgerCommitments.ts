import { type Queryable, sqlState } from '../../core/database.ts';
import { currentWriteIntent } from '../../core/writeIntent.ts';
import type { CommitmentPageQuery, ConnectStore } from '../connectStore.ts';
import { isUuid } from '../connectStore.ts';
import { targetError } from '../targetError.ts';
import type { Viewer } from '../viewer.ts';
import { type CommitmentChange, commitmentPartsAndWrites } from './commitmentChanges.ts';
import { COMMITMENTS, type CommitmentDocument, commitmentOf } from './commitmentDocument.ts';
import { commitmentPageStatement } from './commitmentPage.ts';
import { LedgerConflictError } from './ledgerErrors.ts';
import { toRevision } from './ledgerRows.ts';
import type { LedgerRevision } from './ledgerTypes.ts';
import type { Ledger } from './openLedger.ts';

/** The commitment reads and writes of the Connect port, answered by the ledger. */
export type CommitmentPort = Omit<
  ConnectStore,
  'name' | 'profilesByIds' | 'commitmentTypesByIds' | 'listCommitmentTypes' | 'ping' | 'close'
>;

// The legacy RLS rule: a signed-in user sees the commitments they created or are a
// party to; service_role sees all; anonymous callers see none. $2 is the user's id,
// or null for service_role.
const VISIBLE = `($2::text is null or data ->> 'createdBy' = $2::text
  or data -> 'parties' @> jsonb_build_array(jsonb_build_object('profileId', $2::text)))`;

function visibilityOf(viewer: Viewer): { hidden: true } | { hidden: false; userId: string | null } {
  switch (viewer.kind) {
    case 'anonymous':
      return { hidden: true };
    case 'user':
      return { hidden: false, userId: viewer.id };
    case 'service':
      return { hidden: false, userId: null };
  }
}

interface Stored {
  data: CommitmentDocument;
  version: number;
}

// The user a write is made by, as the outbox and the change feed name them (a uuid).
function actorOf(viewer: Viewer): string | null {
  return viewer.kind !== 'anonymous' && viewer.id !== null && isUuid(viewer.id) ? viewer.id : null;
}

/** The ledger's commitments: the Connect port's commitment part, plus the reads only a ledger has. */
export interface LedgerCommitments extends CommitmentPort {
  /** The commitments the viewer may see, as whole ledger documents (parties and documents embedded). */
  visibleDocuments(viewer: Viewer, ids: readonly string[]): Promise<CommitmentDocument[]>;
  /** Every revision of each visible commitment, oldest first. */
  historyByIds(viewer: Viewer, ids: readonly string[]): Promise<Array<LedgerRevision<CommitmentDocument>>>;
}

/** Options of {@link createLedgerCommitments}. */
export interface LedgerCommitmentsOptions {
  /** The time written into createdAt, updatedAt, joinedAt, uploadedAt. @default () => new Date() */
  clock?: () => Date;
  /** How often a write retries after an optimistic-concurrency conflict. @default 3 */
  retries?: number;
}

/**
 * The ledger adapter for commitments: each commitment is one ledger document whose
 * revisions keep the whole commitment, parties and documents included. It enforces
 * the same access rule as legacy row-level security and answers the same way.
 */
export function createLedgerCommitments(
  ledger: Ledger,
  options: LedgerCommitmentsOptions = {},
): LedgerCommitments {
  const clock = options.clock ?? (() => new Date());
  const retries = options.retries ?? 3;
  const now = () => clock().toISOString();

  async function query(sql: string, params: readonly unknown[]): Promise<Stored[]> {
    try {
      return (await ledger.db.query(sql, params)).map((row) => ({
        data: row.data as CommitmentDocument,
        version: Number(row.version),
      }));
    } catch (error) {
      throw targetError('ledger', sqlState(error), error);
    }
  }

  // Data and revision version come from the same row, so a write never pairs
  // one revision's content with another's version.
  async function visibleRows(viewer: Viewer, ids: readonly string[]): Promise<Stored[]> {
    const access = visibilityOf(viewer);
    const wanted = ids.filter(isUuid);
    if (access.hidden || wanted.length === 0) return [];
    return query(
      `select data, version from ledger.documents
       where table_name = '${COMMITMENTS}' and document_id = any($1::text[]) and ${VISIBLE}`,
      [wanted, access.userId],
    );
  }

  async function visibleDocuments(viewer: Viewer, ids: readonly string[]) {
    return (await visibleRows(viewer, ids)).map((row) => row.data);
  }

  // A write that legacy must receive (stages live and rampdown) commits its outbox row
  // in the ledger transaction of the revision itself: a committed write is never
  // left unmirrored, and a failed one leaves nothing to mirror.
  function outboxRow(viewer: Viewer, id: string, expectedVersion: number | null) {
    const intent = currentWriteIntent();
    if (intent?.mirrorTo !== 'legacy') return undefined;
    const actor = actorOf(viewer);
    const revision = expectedVersion === null ? 0 : expectedVersion + 1;
    return async (tx: Queryable) => {
      await tx.query(
        `insert into figway.outbox (entity, entity_id, unit, stage, actor, revision)
         values ('commitment', $1, $2, $3, $4, $5)`,
        [id, intent.unit, intent.stage, actor, revision],
      );
    };
  }

  // Reads the commitment as the viewer sees it, applies `change`, and writes the
  // result at the version it read, retrying when another writer committed first.
  async function change<T>(viewer: Viewer, id: string, apply: CommitmentChange<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const [current] = await visibleRows(viewer, [id]);
      const outcome = apply(current?.data ?? null);
      if ('none' in outcome) return outcome.none;
      const expectedVersion = current?.version ?? null;
      try {
        await ledger.write(
          [
            {
              tableName: COMMITMENTS,
              documentId: id,
              data: outcome.next,
              expectedVersion,
              actor: actorOf(viewer),
            },
          ],
          outboxRow(viewer, id, expectedVersion),
        );
        return outcome.result;
      } catch (error) {
        if (!(error instanceof LedgerConflictError) || attempt >= retries)
          throw targetError('ledger', sqlState(error), error);
      }
    }
  }

  return {
    visibleDocuments,
    async historyByIds(viewer, ids) {
      const access = visibilityOf(viewer);
      const wanted = ids.filter(isUuid);
      if (access.hidden || wanted.length === 0) return [];
      try {
        const rows = await ledger.db.query(
          `select * from ledger.revisions where table_name = '${COMMITMENTS}' and document_id in (
             select document_id from ledger.documents
             where table_name = '${COMMITMENTS}' and document_id = any($1::text[]) and ${VISIBLE})
           order by document_id, version`,
          [wanted, access.userId],
        );
        return rows.map((row) => toRevision<CommitmentDocument>(row));
      } catch (error) {
        throw targetError('ledger', sqlState(error), error);
      }
    },
    async commitmentsByIds(viewer, ids) {
      return (await visibleDocuments(viewer, ids)).map(commitmentOf);
    },
    async listCommitments(viewer, page: CommitmentPageQuery) {
      const access = visibilityOf(viewer);
      if (access.hidden) return [];
      const { sql, params } = commitmentPageStatement(page, access.userId);
      const documents = await query(sql, params);
      return documents.map((row) => commitmentOf(row.data));
    },
    ...commitmentPartsAndWrites({ visibleDocuments, change, now }),
  };
}
