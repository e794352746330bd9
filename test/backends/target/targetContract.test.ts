import { testEngines } from '../../../harness/databases.ts';
import { createMigrationFixture } from '../../../harness/targetDatabases.ts';
import { describeConnectStoreContract } from '../connectStoreContract.ts';

const engines = await testEngines();

// The same contract the legacy transports pass, on data the backfill copied from
// the seeded legacy database: same data in, same answers out.
for (const engine of engines) {
  describeConnectStoreContract(`target (ledger + oltp) on ${engine.name}`, async () => {
    const fixture = await createMigrationFixture(engine, { backfill: true });
    return { store: fixture.target, teardown: () => fixture.drop() };
  });
}
