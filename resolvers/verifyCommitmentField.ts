import { verificationAnswer, verifyCommitment } from '../src/backends/ledger/verifyCommitment.ts';
import type { Viewer } from '../src/backends/viewer.ts';
import { type GatewayContext, type LedgerAccess, requireLedger } from './gatewayContext.ts';

// Checked by figway's code in process (over the ledger's database or its control plane),
// or by the ledger service, which answers in the public schema's shape already.
async function verificationOf(access: LedgerAccess, viewer: Viewer, id: string, version?: number) {
  if ('verifyAnswer' in access) return access.verifyAnswer(viewer, id, version);
  const result =
    'ledger' in access
      ? await verifyCommitment(access.ledger, access.commitments, viewer, id, version)
      : await access.verify(viewer, id, version);
  return result === null ? null : verificationAnswer(result);
}

/** Resolves Query.verifyCommitment: a revision checked against the current digest, from the ledger. */
export function verifyCommitmentField(
  _: unknown,
  args: { id: string; version?: number | null },
  context: GatewayContext,
) {
  return verificationOf(requireLedger(context), context.viewer, args.id, args.version ?? undefined);
}
