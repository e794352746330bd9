import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { OltpStore } from '../../backends/oltp/oltpStore.ts';
import { toCommitmentType, toProfile } from '../../backends/supabase/rows.ts';
import type { Database, Queryable, Row } from '../../core/database.ts';
import { readLegacyAsService } from '../backfill/readLegacyAsService.ts';
import { currentCommitment } from '../backfill/replayCommitmentHistory.ts';
import type { SideRecord } from './canonicalRecord.ts';
import type { ReconcileEntity } from './reconcileTypes.ts';

/** The databases reconcile reads and repairs. */
export interface ReconcileTargets {
  legacy: Database;
  ledger: Ledger;
  oltp: OltpStore;
}

/** One side of an entity, read in pages ordered by id. */
export interface SideReader {
  /** Up to `limit` records whose id is greater than `after` (all from the start when null), ordered by id. */
  page(after: string | null, limit: number): Promise<SideRecord[]>;
  /** The records of `ids` the side holds, in no particular order. */
  byIds(ids: readonly string[]): Promise<SideRecord[]>;
  /** How many records the side holds. */
  count(): Promise<number>;
}

/** Both sides of an entity, and what the target side is called in words. */
export interface ReconcileSides {
  legacy: SideReader;
  target: SideReader;
  targetName: 'the ledger' | 'the OLTP service';
}

// Ids are UUIDs, compared as their lowercase text on every side: PostgreSQL orders
// uuid values as that text does in byte order, and the ledger's text ids are
// ordered with collation "C" for the same reason (a locale collation skips the dashes).

/**
 * The legacy commitments `where` selects, with their parties and documents, as
 * documents in the ledger's terms, read through `tx` (one snapshot when it is a
 * transaction).
 */
export async function legacyCommitmentsIn(
  tx: Queryable,
  where: string,
  params: readonly unknown[],
): Promise<CommitmentDocument[]> {
  const commitments = await tx.query(`select * from public.commitments where ${where}`, params);
  const ids = commitments.map((row) => String(row.id));
  if (ids.length === 0) return [];
  const children = (table: string) =>
    tx.query(`select * from public.${table} where commitment_id = any($1::uuid[])`, [ids]);
  const parties = await children('commitment_parties');
  const documents = await children('commitment_documents');
  const of = (rows: Row[], id: string) => rows.filter((row) => String(row.commitment_id) === id);
  return commitments.map((row) => {
    const id = String(row.id);
    return currentCommitment(row, of(parties, id), of(documents, id));
  });
}

// A page (or the given ids) of legacy commitments from one snapshot.
function readLegacyCommitments(legacy: Database, where: string, params: readonly unknown[]) {
  return readLegacyAsService(legacy, (tx) => legacyCommitmentsIn(tx, where, params));
}

function legacyCommitments(legacy: Database): SideReader {
  return {
    page: (after, limit) =>
      readLegacyCommitments(legacy, '($1::uuid is null or id > $1::uuid) order by id limit $2', [
        after,
        limit,
      ]),
    byIds: (ids) => readLegacyCommitments(legacy, 'id = any($1::uuid[])', [ids]),
    count: () => countLegacy(legacy, 'commitments'),
  };
}

function ledgerCommitments(ledger: Ledger): SideReader {
  const read = async (where: string, params: readonly unknown[]) =>
    (
      await ledger.db.query(`select data from ledger.documents where table_name = $1 and ${where}`, [
        COMMITMENTS,
        ...params,
      ])
    ).map((row) => row.data as CommitmentDocument);
  return {
    page: (after, limit) =>
      read(
        '($2::text is null or document_id collate "C" > $2::text) order by document_id collate "C" limit $3',
        [after, limit],
      ),
    byIds: (ids) => read('document_id = any($2::text[])', [ids]),
    async count() {
      const [row] = await ledger.db.query(
        'select count(*)::int as n from ledger.documents where table_name = $1',
        [COMMITMENTS],
      );
      return Number(row?.n ?? 0);
    },
  };
}

async function countLegacy(legacy: Database, table: string): Promise<number> {
  const [row] = await readLegacyAsService(legacy, (tx) =>
    tx.query(`select count(*)::int as n from public.${table}`),
  );
  return Number(row?.n ?? 0);
}

type ReferenceTable = 'profiles' | 'commitment_types';

function referenceSide(
  db: Database,
  schema: 'public' | 'oltp',
  table: ReferenceTable,
  map: (row: Row) => { id: string },
): SideReader {
  const read = <T>(work: (db: Pick<Database, 'query'>) => Promise<T>) =>
    schema === 'public' ? readLegacyAsService(db, work) : work(db);
  const select = (where: string, params: readonly unknown[]) =>
    read(async (q) => (await q.query(`select * from ${schema}.${table} where ${where}`, params)).map(map));
  return {
    page: (after, limit) =>
      select('($1::uuid is null or id > $1::uuid) order by id limit $2', [after, limit]),
    byIds: (ids) => select('id = any($1::uuid[])', [ids]),
    async count() {
      const [row] = await read((q) => q.query(`select count(*)::int as n from ${schema}.${table}`));
      return Number(row?.n ?? 0);
    },
  };
}

/** The two sides of `entity`: legacy, and the ledger or the OLTP service. */
export function sidesOf(entity: ReconcileEntity, targets: ReconcileTargets): ReconcileSides {
  switch (entity) {
    case 'commitments':
      return {
        legacy: legacyCommitments(targets.legacy),
        target: ledgerCommitments(targets.ledger),
        targetName: 'the ledger',
      };
    case 'profiles':
      return {
        legacy: referenceSide(targets.legacy, 'public', 'profiles', toProfile),
        target: referenceSide(targets.oltp.db, 'oltp', 'profiles', toProfile),
        targetName: 'the OLTP service',
      };
    case 'commitment-types':
      return {
        legacy: referenceSide(targets.legacy, 'public', 'commitment_types', toCommitmentType),
        target: referenceSide(targets.oltp.db, 'oltp', 'commitment_types', toCommitmentType),
        targetName: 'the OLTP service',
      };
  }
}
