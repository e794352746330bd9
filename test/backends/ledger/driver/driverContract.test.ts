import { describeConnectStoreContract } from '../../connectStoreContract.ts';
import { createDriverFixture } from './driverFixture.ts';

// The contract the in-process target passes (targetContract.test.ts), on the same data,
// with the commitments read and written through amazon-qldb-driver-nodejs against a
// `figway ledger serve` process on PostgreSQL: the same answers over the driver.
describeConnectStoreContract('target (ledger over the QLDB driver + oltp) on postgres', async () => {
  const fixture = await createDriverFixture();
  return { store: fixture.target, teardown: () => fixture.drop() };
});
