import type { IncomingHttpHeaders } from 'node:http';
import type { LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import type { Ledger } from '../backends/ledger/openLedger.ts';
import { parseWriteIntentHeader, WRITE_INTENT_HEADER } from '../core/writeIntentHeader.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { DateTime } from '../schema/dateTimeScalar.ts';
import type { BatchObserver } from './batchIds.ts';
import { createLedgerServiceContext, type LedgerServiceContext } from './ledgerServiceContext.ts';
import { ledgerWriteResolvers } from './ledgerServiceMutations.ts';
import { ledgerReadResolvers } from './ledgerServiceResolvers.ts';
import { buildServiceSchema, type TargetService } from './targetService.ts';

// A write intent the header names badly refuses the request: guessing would commit a
// write whose mirror to legacy is lost, or mirror one that must not be.
function writeIntentOf(headers: IncomingHttpHeaders) {
  const value = headers[WRITE_INTENT_HEADER];
  if (value === undefined) return null;
  const intent = parseWriteIntentHeader(Array.isArray(value) ? value.join(';') : value);
  if ('problem' in intent) throw new FigwayError(ErrorCode.BAD_REQUEST, intent.problem);
  return intent;
}

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
    createContext: (viewer, headers) =>
      createLedgerServiceContext(commitments, viewer, writeIntentOf(headers)),
    health: {
      ledger: {
        name: `ledger (${ledger.db.engine})`,
        ping: async () => void (await ledger.db.query('select 1')),
      },
    },
  };
}
