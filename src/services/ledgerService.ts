import type { LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import type { BatchObserver } from './batchIds.ts';
import { createLedgerServiceContext, type LedgerServiceContext } from './ledgerServiceContext.ts';
import { ledgerWriteResolvers } from './ledgerServiceMutations.ts';
import { ledgerReadResolvers } from './ledgerServiceResolvers.ts';
import { DateTime } from './serviceScalars.ts';
import { buildServiceSchema, type TargetService } from './targetService.ts';

/** Options of {@link createLedgerService}. */
export interface LedgerServiceOptions {
  ledger: Ledger;
  commitments: LedgerCommitments;
  /** @default does nothing */
  onBatch?: BatchObserver;
}

/**
 * The ledger target as a GraphQL service: commitments with their parties, documents,
 * history and verification, by key and by page, and the writes the gateway's target
 * side makes, all answered by the ledger's commitment store as the caller.
 */
export async function createLedgerService(
  options: LedgerServiceOptions,
): Promise<TargetService<LedgerServiceContext>> {
  const { ledger, commitments } = options;
  const reads = ledgerReadResolvers({ ledger, commitments }, options.onBatch ?? (() => {}));
  const { schema, version } = await buildServiceSchema('ledger', {
    DateTime,
    ...reads,
    Mutation: ledgerWriteResolvers(commitments),
  });
  return {
    kind: 'ledger',
    schema,
    version,
    createContext: (viewer) => createLedgerServiceContext(commitments, viewer),
    health: {
      ledger: {
        name: `ledger (${ledger.db.engine})`,
        ping: async () => void (await ledger.db.query('select 1')),
      },
    },
  };
}
