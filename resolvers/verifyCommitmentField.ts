import { verificationAnswer, verifyCommitment } from '../src/backends/ledger/verifyCommitment.ts';
import { type GatewayContext, requireLedger } from './gatewayContext.ts';

/** Resolves Query.verifyCommitment: a revision checked against the current digest, from the ledger. */
export async function verifyCommitmentField(
  _: unknown,
  args: { id: string; version?: number | null },
  context: GatewayContext,
) {
  const access = requireLedger(context);
  const version = args.version ?? undefined;
  const result =
    'ledger' in access
      ? await verifyCommitment(access.ledger, access.commitments, context.viewer, args.id, version)
      : await access.verify(context.viewer, args.id, version);
  return result === null ? null : verificationAnswer(result);
}
