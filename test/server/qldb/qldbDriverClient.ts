import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import { KEY, LEDGER } from './qldbSessionClient.ts';

/**
 * A QLDB driver as the Connect migration guide's application code makes one, unmodified
 * apart from the endpoint and credentials; it retries a transaction `retryLimit` times,
 * 5 ms apart.
 */
export function driverFor(url: string, credentials = KEY, retryLimit = 4): QldbDriver {
  return new QldbDriver(
    LEDGER,
    { endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 },
    {},
    4,
    new RetryConfig(retryLimit, () => 5),
  );
}
