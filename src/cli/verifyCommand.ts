import type { ChainReport } from '../backends/ledger/verifyCommitmentChain.ts';
import { verifyCommitmentChain } from '../backends/ledger/verifyCommitmentChain.ts';
import type { Viewer } from '../backends/viewer.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { openBackends } from '../server/openBackends.ts';
import { callGateway, runningGateway } from './gatewayClient.ts';

const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };

async function locally(id: string): Promise<ChainReport> {
  const config = loadConfig();
  const claim = config.legacy.transport === 'embedded' ? await claimEmbeddedData(config.dataDir) : null;
  const backends = await openBackends(config);
  try {
    if (backends.targets === null)
      throw new ConfigError('figway verify reads the ledger: set LEDGER_DATABASE_URL and OLTP_DATABASE_URL.');
    return await verifyCommitmentChain(backends.targets.ledger, backends.targets.commitments, SERVICE, id);
  } finally {
    await backends.close();
    await claim?.release();
  }
}

function print(report: ChainReport) {
  const out = process.stdout;
  if (report.links.length === 0) {
    out.write(`The ledger has no commitment ${report.id}. Run \`figway backfill commitments\` first?\n`);
    return;
  }
  out.write(`Commitment ${report.id}: ${report.links.length} revisions in the ledger\n`);
  out.write(
    `Digest ${report.digest} at {strandId: ${report.tipAddress?.strandId}, sequenceNo: ${report.tipAddress?.sequenceNo}}\n\n`,
  );
  out.write('  v  committed                 block  revision hash                                  ok\n');
  for (const link of report.links) {
    const block = String(link.blockAddress.sequenceNo).padStart(5);
    out.write(
      `${String(link.version).padStart(3)}  ${link.txTime}  ${block}  ${link.revisionHash}  ${link.verified ? 'yes' : 'NO'}\n`,
    );
    if (link.problem !== null) out.write(`     ${link.problem}\n`);
  }
  const failed = report.links.find((link) => !link.verified);
  out.write(
    failed === undefined
      ? `\nEvery revision verifies against the current digest (proofs of ${report.links.map((link) => link.proofLength).join(', ')} hashes), and the committed view serves the newest.\n`
      : `\nVERIFICATION FAILED for commitment ${report.id} at v${failed.version}: ${failed.problem ?? 'it does not verify'}\n`,
  );
}

/**
 * `figway verify <commitment-id>`: prints the commitment's revision chain, whether each
 * proof verifies and whether the committed view serves the newest revision; exits 1,
 * naming the commitment and the first problem, when anything does not verify.
 */
export async function verifyCommand(args: readonly string[]): Promise<number> {
  const [id] = args;
  if (id === undefined) {
    process.stderr.write('usage: figway verify <commitment-id>\n');
    return 2;
  }
  const config = loadConfig();
  const client = config.legacy.transport === 'embedded' ? await runningGateway(config.dataDir) : null;
  const report =
    client === null
      ? await locally(id)
      : ((await (
          await callGateway(client, 'GET', `/admin/commitments/${encodeURIComponent(id)}/verification`)
        ).json()) as ChainReport);
  print(report);
  return report.verified ? 0 : 1;
}
