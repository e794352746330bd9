import { COMMITMENTS } from '../commitmentDocument.ts';
import type { LedgerDriver } from './ledgerDriver.ts';

/** What {@link prepareCommitmentsTable} found or did. */
export type CommitmentsTable = 'ready' | 'indexed' | 'created';

/**
 * Makes sure the ledger has the table `commitments` with an index on `id`, as a QLDB
 * application's setup makes them: the driver adapter reads commitments by id, and
 * without the index each read goes through every revision of the table. A table the
 * in-process gateway wrote (which the ledger's catalog lists without indexes) only gets
 * its index. Concurrent gateways race on the catalog as QLDB transactions: the loser's
 * OCC conflict reruns it, and it finds the table made.
 */
export function prepareCommitmentsTable(driver: LedgerDriver): Promise<CommitmentsTable> {
  return driver.transaction(async (txn) => {
    const [table] = await txn.execute(
      "SELECT * FROM information_schema.user_tables AS t WHERE t.name = ? AND t.status = 'ACTIVE'",
      COMMITMENTS,
    );
    if (table === undefined) {
      await txn.execute(`CREATE TABLE ${COMMITMENTS}`);
      await txn.execute(`CREATE INDEX ON ${COMMITMENTS} (id)`);
      return 'created';
    }
    const indexes = table.get('indexes')?.elements() ?? [];
    if (indexes.some((index) => index.get('expr')?.stringValue() === '[id]')) return 'ready';
    await txn.execute(`CREATE INDEX ON ${COMMITMENTS} (id)`);
    return 'indexed';
  });
}
