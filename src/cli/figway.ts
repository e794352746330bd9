import { ConfigError } from '../config.ts';
import { schemaCommand } from './schemaCommand.ts';
import { serve } from './serve.ts';
import { token } from './token.ts';

const USAGE = `figway: a GraphQL gateway for strangler-fig migrations

usage: figway <command>
  serve                  run the gateway (npm start); with no configuration, the embedded default
  token <user>           print a JWT for a demo user of the embedded default (alice, bob, carol, dave, admin)
  schema check|publish|print
                         guard the published versions of the public schema
  help                   show this text
`;

/** Runs one figway command and returns its exit code; `serve` keeps running until a signal. */
export async function runFigway(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      await serve();
      return 0;
    case 'token':
      return token(args);
    case 'schema':
      return schemaCommand(args);
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
