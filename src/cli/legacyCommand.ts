import { legacySetupCommand } from './legacySetupCommand.ts';

const USAGE = `usage: figway legacy setup [--demo]
  setup    apply the Connect data model to the empty PostgreSQL database at SUPABASE_DB_URL
           (--demo: also the demo users alice, bob, carol, dave, admin and their commitments)
`;

/** `figway legacy <command>`: works on the legacy Supabase database itself. */
export async function legacyCommand(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'setup':
      return legacySetupCommand(rest);
    default:
      process.stderr.write(
        command === undefined ? USAGE : `figway legacy: unknown command "${command}".\n${USAGE}`,
      );
      return 2;
  }
}
