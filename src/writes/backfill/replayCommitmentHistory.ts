import type { CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { toCommitment, toDocument, toParty } from '../../backends/supabase/rows.ts';
import type { Row } from '../../core/database.ts';

/** A row of legacy `public.commitment_history`. */
export interface HistoryRow {
  id: number;
  entity: 'commitment' | 'party' | 'document';
  operation: 'INSERT' | 'UPDATE';
  data: Row;
}

function withoutCommitmentId<T extends { commitmentId: string }>(record: T): Omit<T, 'commitmentId'> {
  const { commitmentId: _commitmentId, ...rest } = record;
  return rest;
}

function replaceOrAdd<T extends { id: string }>(list: readonly T[], item: T): T[] {
  return list.some((entry) => entry.id === item.id)
    ? list.map((entry) => (entry.id === item.id ? item : entry))
    : [...list, item];
}

/** Applies one audit-trail row to the commitment as it stood; throws when the trail makes no sense. */
export function applyHistoryRow(state: CommitmentDocument | null, row: HistoryRow): CommitmentDocument {
  if (row.entity === 'commitment') {
    const fields = toCommitment(row.data);
    if (state === null) return { ...fields, parties: [], documents: [] };
    return { ...state, ...fields };
  }
  if (state === null)
    throw new Error(`history row ${row.id} changes a ${row.entity} before the commitment exists`);
  if (row.entity === 'party')
    return { ...state, parties: replaceOrAdd(state.parties, withoutCommitmentId(toParty(row.data))) };
  return { ...state, documents: replaceOrAdd(state.documents, withoutCommitmentId(toDocument(row.data))) };
}

/** Each successive state of a commitment, one per audit-trail row, starting from `start`. */
export function replayCommitmentHistory(
  start: CommitmentDocument | null,
  rows: readonly HistoryRow[],
): CommitmentDocument[] {
  const states: CommitmentDocument[] = [];
  let state = start;
  for (const row of rows) {
    state = applyHistoryRow(state, row);
    states.push(state);
  }
  return states;
}

/** The commitment as legacy holds it now, built from its current rows. */
export function currentCommitment(
  commitment: Row,
  parties: readonly Row[],
  documents: readonly Row[],
): CommitmentDocument {
  return {
    ...toCommitment(commitment),
    parties: parties.map((row) => withoutCommitmentId(toParty(row))),
    documents: documents.map((row) => withoutCommitmentId(toDocument(row))),
  };
}

function canonical(document: CommitmentDocument): string {
  const byId = <T extends { id: string }>(list: readonly T[]) =>
    [...list].sort((a, b) => a.id.localeCompare(b.id));
  const sorted = { ...document, parties: byId(document.parties), documents: byId(document.documents) };
  return JSON.stringify(
    sorted,
    Object.keys(sorted)
      .concat(...sorted.parties.map(Object.keys), ...sorted.documents.map(Object.keys))
      .sort(),
  );
}

/** True when two commitment documents hold the same content, whatever the order of keys, parties and documents. */
export function sameCommitment(a: CommitmentDocument, b: CommitmentDocument): boolean {
  return canonical(a) === canonical(b);
}
