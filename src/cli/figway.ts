import { ConfigError } from '../config.ts';
import { flagsModeOf, flagsSummary } from './flagsHelp.ts';

// The flags entry depends on where units move: the flags file, or Unleash's web UI.
const USAGE = `figway: a GraphQL gateway for strangler-fig migrations

usage: figway <command>
  serve                  run the gateway (npm start); with no configuration, the embedded default
  token <user>           print a JWT for a demo user (alice, bob, carol, dave, admin), signed with
                         SUPABASE_JWT_SECRET when set, else the embedded default's own secret
  legacy setup [--demo]  apply the Connect data model (and the demo data) to the database at SUPABASE_DB_URL
  schema check|publish|print
                         guard the published versions of the public schema
  backfill <commitments|profiles|commitment-types> [--batch-size N]
                         copy legacy rows into the ledger and the OLTP service
  sync [status|retry <id>]
                         run the mirror's appliers alone; see what waits, the lag, dead letters
  ledger serve [--port N] [--host H]
                         serve the ledger over QLDB's API (amazon-qldb-driver-nodejs, @aws-sdk/client-qldb)
  ledger export|import <dir>
                         the journal as QLDB's S3 journal export (manifests, Ion blocks); import loads one
                         into an empty ledger, verifying each block, and stops at the first broken one
  ledger verify          re-verify the whole journal (hashes, links, Merkle tree, committed view);
                         exit 1 names the first block that fails
  service ledger|oltp [--port N] [--host H]
                         run one target as a GraphQL service of its own (schema/targets/*.graphql)
  verify <commitment-id> print a commitment's ledger revisions and check each against the digest
  reconcile <commitments|profiles|commitment-types> [--repair] [--json]
                         compare legacy with the target, list divergent rows, repair from the authority
${flagsSummary(flagsModeOf(process.env))}  report [--unit U] [--since 24h|7d|30m|<ISO>] [--json]
                         the shadow-diff report per unit and cohort, with a verdict
  help                   show this text
`;

/**
 * Runs one figway command and returns its exit code; `serve` keeps running until a
 * signal. Commands load on demand, so `figway token` does not load the server.
 */
export async function runFigway(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      await (await import('./serve.ts')).serve();
      return 0;
    case 'token':
      return (await import('./token.ts')).token(args);
    case 'legacy':
      return (await import('./legacyCommand.ts')).legacyCommand(args);
    case 'schema':
      return (await import('./schemaCommand.ts')).schemaCommand(args);
    case 'backfill':
      return (await import('./backfillCommand.ts')).backfillCommand(args);
    case 'verify':
      return (await import('./verifyCommand.ts')).verifyCommand(args);
    case 'ledger':
      return (await import('./ledgerCommand.ts')).ledgerCommand(args);
    case 'service':
      return (await import('./serviceCommand.ts')).serviceCommand(args);
    case 'reconcile':
      return (await import('./reconcileCommand.ts')).reconcileCommand(args);
    case 'sync':
      return (await import('./syncCommand.ts')).syncCommand(args);
    case 'flags':
      return (await import('./flagsCommand.ts')).flagsCommand(args);
    case 'report':
      return (await import('./reportCommand.ts')).reportCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`figway: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

try {
  const code = await runFigway(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`figway: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `figway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
