import { isDeepStrictEqual } from 'node:util';
import { currentWriteIntent } from '../../../core/writeIntent.ts';
import { ErrorCode, FigwayError } from '../../../errors.ts';
import type { CommitmentPageQuery } from '../../connectStore.ts';
import { isUuid } from '../../connectStore.ts';
import type { Viewer } from '../../viewer.ts';
import { type CommitmentChange, commitmentPartsAndWrites } from '../commitmentChanges.ts';
import { COMMITMENTS, type CommitmentDocument, commitmentOf } from '../commitmentDocument.ts';
import type { LedgerCommitments } from '../ledgerCommitments.ts';
import { driverCommitmentPage } from './driverCommitmentPage.ts';
import {
  COMMITMENT_BY_ID,
  type DriverDocument,
  driverDocumentOf,
  jsonOf,
  revisionOf,
} from './driverDocuments.ts';
import type { DriverTransaction, LedgerDriver } from './ledgerDriver.ts';

/** Options of {@link createDriverCommitments}. */
export interface DriverCommitmentsOptions {
  /** The time written into createdAt, updatedAt, joinedAt, uploadedAt. @default () => new Date() */
  clock?: () => Date;
}

/** The `extensions.reason` of a write refused because it must be mirrored to legacy. */
export const MIRROR_NEEDS_IN_PROCESS_LEDGER = 'MIRROR_NEEDS_IN_PROCESS_LEDGER';

// The legacy RLS rule, as the in-process adapter's VISIBLE: a signed-in user sees the
// commitments they created or are a party to; service_role (null) sees all.
function isVisible(userId: string | null, document: CommitmentDocument): boolean {
  return (
    userId === null ||
    document.createdBy === userId ||
    document.parties.some((party) => party.profileId === userId)
  );
}

// The user whose reads a viewer makes: null for service_role; undefined for anonymous
// callers, who see nothing.
function readerOf(viewer: Viewer): string | null | undefined {
  switch (viewer.kind) {
    case 'anonymous':
      return undefined;
    case 'user':
      return viewer.id;
    case 'service':
      return null;
  }
}

// A write that legacy must receive (stages live and rampdown) commits its outbox row in
// the ledger's own transaction when the ledger is in process (ledgerCommitments'
// outboxRow). A QLDB transaction cannot write figway.outbox, and a revision committed
// without its row would never reach legacy: such a write is refused, before anything
// is committed.
function refuseMirroredWrite(): void {
  const intent = currentWriteIntent();
  if (intent?.mirrorTo !== 'legacy') return;
  throw new FigwayError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `${intent.unit} at stage ${intent.stage} is mirrored to legacy, and a ledger reached through the QLDB ` +
      "driver cannot commit the mirror's outbox row with the write: nothing was written. Writes at live " +
      'and rampdown need the in-process ledger (LEDGER_DATABASE_URL).',
    { backend: 'ledger', reason: MIRROR_NEEDS_IN_PROCESS_LEDGER },
  );
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

// The UPDATE that turns `current` into `next`: one SET per top-level field that changed.
function updateOf(current: CommitmentDocument, next: CommitmentDocument) {
  const fields = Object.keys(next).filter(
    (name) =>
      !isDeepStrictEqual(current[name as keyof CommitmentDocument], next[name as keyof CommitmentDocument]),
  );
  if (Object.keys(current).some((name) => !(name in next)) || fields.some((name) => !FIELD.test(name)))
    throw new FigwayError(
      ErrorCode.CONFLICT,
      "The commitment's ledger document has fields figway does not write, or names that are not " +
        'identifiers, which a write over the QLDB driver cannot keep: nothing was written.',
      { backend: 'ledger' },
    );
  if (fields.length === 0) return null;
  return {
    statement: `UPDATE ${COMMITMENTS} AS c BY d SET ${fields.map((name) => `c.${name} = ?`).join(', ')} WHERE d = ?`,
    parameters: fields.map((name) => next[name as keyof CommitmentDocument]),
  };
}

/**
 * The ledger adapter for commitments over amazon-qldb-driver-nodejs, for a ledger that
 * runs as its own service (`figway ledger serve`): the same documents in the table
 * `commitments` as the in-process adapter (createLedgerCommitments) reads and writes,
 * the same access rule (applied here, on the documents the ledger answers) and the same
 * answers. Each call is one QLDB transaction; a write reads the commitment and writes it
 * in one, and an OCC conflict reruns it (the driver's RetryConfig) as the in-process
 * adapter retries. It cannot do what needs the ledger's database: a write that must be
 * mirrored to legacy is refused (see refuseMirroredWrite), and it tells no change feed.
 */
export function createDriverCommitments(
  driver: LedgerDriver,
  options: DriverCommitmentsOptions = {},
): LedgerCommitments {
  const clock = options.clock ?? (() => new Date());
  const now = () => clock().toISOString();

  // One statement per id, each answered through the index on `id`: an `IN` would read
  // every commitment. A commitment id held by two documents (a QLDB application may
  // insert one) is answered by the one whose document id it is, else by the first.
  async function readVisible(
    txn: DriverTransaction,
    userId: string | null,
    ids: readonly string[],
  ): Promise<DriverDocument[]> {
    const found: DriverDocument[] = [];
    for (const id of new Set(ids)) {
      const documents = (await txn.execute(COMMITMENT_BY_ID, id)).map(driverDocumentOf);
      const chosen = documents.find((document) => document.documentId === id) ?? documents[0];
      if (chosen !== undefined && isVisible(userId, chosen.data)) found.push(chosen);
    }
    return found;
  }

  async function visibleRows(viewer: Viewer, ids: readonly string[]): Promise<DriverDocument[]> {
    const userId = readerOf(viewer);
    const wanted = ids.filter(isUuid);
    if (userId === undefined || wanted.length === 0) return [];
    return driver.transaction((txn) => readVisible(txn, userId, wanted));
  }

  async function visibleDocuments(viewer: Viewer, ids: readonly string[]) {
    return (await visibleRows(viewer, ids)).map((row) => row.data);
  }

  // Reads the commitment as the viewer sees it, applies `change`, and writes the result
  // in the same QLDB transaction: a commit that another writer beat fails with an OCC
  // conflict, and the driver runs it all again.
  function change<T>(viewer: Viewer, id: string, apply: CommitmentChange<T>): Promise<T> {
    const userId = readerOf(viewer);
    return driver.transaction(async (txn) => {
      const [current] = userId === undefined || !isUuid(id) ? [] : await readVisible(txn, userId, [id]);
      const outcome = apply(current?.data ?? null);
      if ('none' in outcome) return outcome.none;
      refuseMirroredWrite();
      if (current === undefined) await txn.execute(`INSERT INTO ${COMMITMENTS} ?`, outcome.next);
      else {
        const update = updateOf(current.data, outcome.next);
        if (update !== null) await txn.execute(update.statement, ...update.parameters, current.documentId);
      }
      return outcome.result;
    });
  }

  return {
    visibleDocuments,
    async historyByIds(viewer, ids) {
      const userId = readerOf(viewer);
      const wanted = ids.filter(isUuid);
      if (userId === undefined || wanted.length === 0) return [];
      const revisions = await driver.transaction(async (txn) => {
        const visible = await readVisible(txn, userId, wanted);
        if (visible.length === 0) return [];
        return txn.execute(
          `SELECT * FROM history(${COMMITMENTS}) AS h WHERE h.metadata.id IN ?`,
          visible.map((document) => document.documentId),
        );
      });
      return revisions
        .map(revisionOf)
        .sort(
          (a, b) =>
            (a.metadata.id < b.metadata.id ? -1 : a.metadata.id > b.metadata.id ? 1 : 0) ||
            a.metadata.version - b.metadata.version,
        );
    },
    async commitmentsByIds(viewer, ids) {
      return (await visibleDocuments(viewer, ids)).map(commitmentOf);
    },
    async listCommitments(viewer, page: CommitmentPageQuery) {
      const userId = readerOf(viewer);
      if (userId === undefined) return [];
      const values = await driver.transaction((txn) =>
        page.status === null
          ? txn.execute(`SELECT * FROM ${COMMITMENTS}`)
          : txn.execute(`SELECT * FROM ${COMMITMENTS} AS c WHERE c.status = ?`, page.status),
      );
      const visible = values
        .map((value) => jsonOf(value) as CommitmentDocument)
        .filter((document) => isVisible(userId, document));
      return driverCommitmentPage(visible, page).map(commitmentOf);
    },
    ...commitmentPartsAndWrites({ visibleDocuments, change, now }),
  };
}
