import DataLoader from 'dataloader';
import type { DocumentRecord, PartyRecord } from '../backends/connectStore.ts';
import type { CommitmentDocument } from '../backends/ledger/commitmentDocument.ts';
import type { LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import type { LedgerRevision } from '../backends/ledger/ledgerTypes.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { WriteIntent } from '../core/writeIntent.ts';
import type { ServiceContext } from './targetService.ts';

/**
 * The context of one ledger-service request: the viewer and its batched reads, one
 * statement per kind and tick. Parties and documents are read off the commitment
 * documents the store returned; their loaders serve a commitment that carries none.
 */
export interface LedgerServiceContext extends ServiceContext {
  parties: DataLoader<string, PartyRecord[]>;
  documents: DataLoader<string, DocumentRecord[]>;
  history: DataLoader<string, Array<LedgerRevision<CommitmentDocument>>>;
  /**
   * The gateway's write intent (the `figway-write-intent` header): a write made under
   * one that legacy must receive commits its outbox row in the ledger transaction, as
   * the gateway's in-process target does. Null without the header.
   */
  writeIntent: WriteIntent | null;
}

function grouped<T>(ids: readonly string[], records: readonly T[], keyOf: (record: T) => string): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const record of records) groups.get(keyOf(record))?.push(record);
  return ids.map((id) => groups.get(id) ?? []);
}

/** Creates the context of one request, reading the ledger's commitments as `viewer`. */
export function createLedgerServiceContext(
  commitments: LedgerCommitments,
  viewer: Viewer,
  writeIntent: WriteIntent | null = null,
): LedgerServiceContext {
  return {
    viewer,
    writeIntent,
    parties: new DataLoader(async (ids) =>
      grouped(ids, await commitments.partiesByCommitmentIds(viewer, ids), (party) => party.commitmentId),
    ),
    documents: new DataLoader(async (ids) =>
      grouped(ids, await commitments.documentsByCommitmentIds(viewer, ids), (entry) => entry.commitmentId),
    ),
    history: new DataLoader(async (ids) =>
      grouped(ids, await commitments.historyByIds(viewer, ids), (revision) => revision.metadata.id),
    ),
  };
}
