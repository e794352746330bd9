import { checkSchema } from '../schema/checkSchema.ts';
import { publishSchema } from '../schema/publishSchema.ts';
import { canonicalSdl, readCurrentSdl } from '../schema/schemaFiles.ts';

const USAGE = `usage: figway schema <command>
  check                       compare schema/*.graphql with the newest schema/published/v<N>.graphql;
                              exits 1 when a change would break its clients
  publish [--allow-breaking]  freeze the current schema as the next published version
  print                       print the current schema, sorted
`;

async function check(): Promise<number> {
  const result = await checkSchema();
  if (result.base === null) {
    process.stdout.write('Nothing is published yet: run `figway schema publish` to freeze v1.\n');
    return 0;
  }
  for (const change of result.breaking) process.stdout.write(`BREAKING  ${change.description}\n`);
  for (const change of result.dangerous) process.stdout.write(`dangerous ${change.description}\n`);
  if (result.breaking.length > 0) {
    process.stdout.write(`\n${result.breaking.length} breaking change(s) against ${result.base.label}.\n`);
    return 1;
  }
  const summary = result.changed ? 'only additive changes' : 'identical';
  process.stdout.write(`The current schema is compatible with ${result.base.label} (${summary}).\n`);
  return 0;
}

async function publish(args: readonly string[]): Promise<number> {
  const outcome = await publishSchema({ allowBreaking: args.includes('--allow-breaking') });
  switch (outcome.kind) {
    case 'published':
      process.stdout.write(`Published ${outcome.label}: ${outcome.path}\n`);
      return 0;
    case 'unchanged':
      process.stdout.write(`Nothing to publish: the current schema equals ${outcome.label}.\n`);
      return 0;
    case 'refused':
      process.stdout.write(
        `Refused: these changes break clients (pass --allow-breaking to publish anyway):\n  ${outcome.breaking.join('\n  ')}\n`,
      );
      return 1;
  }
}

/** `figway schema check|publish|print`. */
export async function schemaCommand(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'check':
      return check();
    case 'publish':
      return publish(rest);
    case 'print':
      process.stdout.write(canonicalSdl(await readCurrentSdl()));
      return 0;
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}
