import DataLoader from 'dataloader';
import type {
  CommitmentPageQuery,
  CommitmentRecord,
  CommitmentTypeRecord,
  ConnectStore,
  DocumentRecord,
  PartyRecord,
  ProfileRecord,
} from './connectStore.ts';
import type { Viewer } from './viewer.ts';

/** Per-request batching of the reads resolvers make, one statement per kind and tick. */
export interface ConnectLoaders {
  profile: DataLoader<string, ProfileRecord | null>;
  commitmentType: DataLoader<string, CommitmentTypeRecord | null>;
  commitment: DataLoader<string, CommitmentRecord | null>;
  parties: DataLoader<string, PartyRecord[]>;
  documents: DataLoader<string, DocumentRecord[]>;
  /**
   * Reads a page of commitments and primes `commitment` with every one. A commitment
   * asked for by id while a page is being read waits for the page and is answered from
   * it when the page holds it: a shadow read of a list item's field that starts before
   * its side's page has answered then costs no read by id.
   */
  commitmentPage(query: CommitmentPageQuery): Promise<CommitmentRecord[]>;
}

function byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const found = new Map((await load(ids)).map((record) => [record.id, record]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

function byCommitment<T extends { commitmentId: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T[]>(async (ids) => {
    const grouped = new Map<string, T[]>(ids.map((id) => [id, []]));
    for (const record of await load(ids)) grouped.get(record.commitmentId)?.push(record);
    return ids.map((id) => grouped.get(id) ?? []);
  });
}

// Parties or documents read off the commitments the request loads (or has loaded, as
// a page primes them): one read of each document, however many of its parts are asked for.
function fromCommitments<T extends { commitmentId: string }>(
  commitment: ConnectLoaders['commitment'],
  read: (record: CommitmentRecord) => T[] | null,
  fallback: (ids: readonly string[]) => Promise<T[]>,
) {
  return new DataLoader<string, T[]>(async (ids) => {
    const records = await commitment.loadMany(ids);
    const parts = records.map((record) => {
      if (record instanceof Error) throw record;
      return record === null ? [] : read(record);
    });
    const missing = ids.filter((_, index) => parts[index] === null);
    if (missing.length === 0) return parts as T[][];
    // A record the store did not make (primed from elsewhere): its parts are read as usual.
    const grouped = new Map<string, T[]>(missing.map((id) => [id, []]));
    for (const record of await fallback(missing)) grouped.get(record.commitmentId)?.push(record);
    return ids.map((id, index) => parts[index] ?? grouped.get(id) ?? []);
  });
}

/** Creates the loaders of one request, reading from `store` as `viewer`. */
export function createConnectLoaders(store: ConnectStore, viewer: Viewer): ConnectLoaders {
  const pages = new Set<Promise<CommitmentRecord[]>>();
  const commitment = byId(async (ids) => {
    if (pages.size === 0) return store.commitmentsByIds(viewer, ids);
    // Asked for while a page is being read: what the page holds is taken from it.
    const paged = new Map<string, CommitmentRecord>();
    for (const page of await Promise.allSettled(pages))
      if (page.status === 'fulfilled') for (const row of page.value) paged.set(row.id, row);
    const fromPages = ids.flatMap((id) => paged.get(id) ?? []);
    const missing = ids.filter((id) => !paged.has(id));
    return missing.length === 0
      ? fromPages
      : [...fromPages, ...(await store.commitmentsByIds(viewer, missing))];
  });
  const { partsOf } = store;
  const parties = (ids: readonly string[]) => store.partiesByCommitmentIds(viewer, ids);
  const documents = (ids: readonly string[]) => store.documentsByCommitmentIds(viewer, ids);
  return {
    profile: byId((ids) => store.profilesByIds(viewer, ids)),
    commitmentType: byId((ids) => store.commitmentTypesByIds(viewer, ids)),
    commitment,
    parties:
      partsOf === undefined
        ? byCommitment(parties)
        : fromCommitments(commitment, (record) => partsOf(record)?.parties ?? null, parties),
    documents:
      partsOf === undefined
        ? byCommitment(documents)
        : fromCommitments(commitment, (record) => partsOf(record)?.documents ?? null, documents),
    async commitmentPage(query) {
      const reading = store.listCommitments(viewer, query);
      pages.add(reading);
      try {
        const rows = await reading;
        for (const row of rows) commitment.prime(row.id, row);
        return rows;
      } finally {
        pages.delete(reading);
      }
    },
  };
}

/**
 * Reads shared by every subscriber that receives one batch of events on one instance:
 * loaders reading as service_role, so an event costs one read per instance, never one
 * per subscriber. A side is given only where the hub checked, on that side, that the
 * subscriber may see the commitment (its creator or a party): everything reachable from
 * a commitment (its type, parties, documents and their profiles) is then visible to the
 * subscriber under the legacy rules. A side left out is read as the subscriber.
 */
export interface EventReads {
  legacy?: ConnectLoaders;
  target?: ConnectLoaders;
}
