import { DEMO_USERS } from '../backends/supabase/seed/demoUsers.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { isStage } from '../core/stage.ts';
import { describeFlags, formatUnitStages } from '../routing/describeFlags.ts';
import { ensureFlagsFile } from '../routing/ensureFlagsFile.ts';
import { FLAGS_DIR, readCatalogue, readDefinitions, writeDefinitions } from '../routing/flagFiles.ts';
import { isMutationUnit, oneStageForEveryone } from '../routing/stageForEveryone.ts';
import { describeSelector, type RuleSelector, setRule } from '../routing/stageRules.ts';
import { pushDefinitions } from '../routing/unleashAdmin.ts';
import { flagsModeOf, flagsUsage, unleashSetRefusal, unleashUiUrl } from './flagsHelp.ts';
import { readFlagDefinitions } from './readFlagDefinitions.ts';

const usage = () => flagsUsage(flagsModeOf(process.env));

// Demo usernames read better than ids in the embedded default.
const nameOf = (id: string) => DEMO_USERS.find((user) => user.id === id)?.username ?? id;
const idOf = (name: string) => DEMO_USERS.find((user) => user.username === name)?.id ?? name;

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function selectorOf(args: readonly string[]): RuleSelector {
  const cohort = option(args, '--cohort');
  const users = option(args, '--users');
  const percent = option(args, '--percent');
  const given = [cohort, users, percent].filter((value) => value !== undefined);
  if (given.length > 1) throw new ConfigError('Give at most one of --cohort, --users, --percent.');
  if (cohort !== undefined) return { kind: 'cohort', cohort };
  if (users !== undefined)
    return {
      kind: 'users',
      userIds: users
        .split(',')
        .map((user) => idOf(user.trim()))
        .filter(Boolean),
    };
  if (percent !== undefined) {
    const value = Number(percent);
    if (!Number.isInteger(value) || value < 0 || value > 100)
      throw new ConfigError('--percent takes a whole number from 0 to 100.');
    return { kind: 'percent', percent: value };
  }
  return { kind: 'everyone' };
}

async function list(args: readonly string[]): Promise<number> {
  const config = loadConfig();
  const catalogue = await readCatalogue();
  const units = describeFlags(catalogue, await readFlagDefinitions(config), nameOf);
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(units, null, 2)}\n` : formatUnitStages(units),
  );
  return 0;
}

async function set(args: readonly string[]): Promise<number> {
  const [pattern, stage, ...rest] = args;
  if (pattern === undefined || !isStage(stage)) {
    process.stderr.write(usage());
    return 2;
  }
  const catalogue = await readCatalogue();
  const matches = (unit: string) =>
    pattern.endsWith('*') ? unit.startsWith(pattern.slice(0, -1)) : unit === pattern;
  const units = catalogue.filter((entry) => matches(entry.unit));
  if (units.length === 0) {
    throw new ConfigError(
      `No migration unit ${pattern}. Units: ${catalogue.map((entry) => entry.unit).join(', ')}.`,
    );
  }
  const selector = selectorOf(rest);
  const mutations = units.filter((entry) => isMutationUnit(entry.unit));
  const config = loadConfig();
  if (config.flags.kind !== 'file') {
    const flags = units.map((entry) => entry.flag);
    // A Mutation unit has one stage for everyone: in Unleash, a strategy without constraint.
    const narrowed = mutations.length > 0 && selector.kind !== 'everyone';
    const move = { stage, selector: narrowed ? ({ kind: 'everyone' } as const) : selector, narrowed };
    throw new ConfigError(unleashSetRefusal(unleashUiUrl(config.flags.url), flags, move));
  }
  if (selector.kind !== 'everyone' && mutations[0] !== undefined) {
    const unit = mutations.length === units.length ? pattern : mutations[0].unit;
    process.stderr.write(`figway flags set: ${oneStageForEveryone(unit, stage)}\n`);
    return 2;
  }
  await ensureFlagsFile(config.flags.path);
  const definitions = await readDefinitions(config.flags.path);
  const flags = new Set(units.map((entry) => entry.flag));
  const features = definitions.features.map((feature) =>
    flags.has(feature.name) ? setRule(feature, { selector, stage }) : feature,
  );
  for (const entry of units) {
    if (!definitions.features.some((feature) => feature.name === entry.flag)) {
      features.push(
        setRule(
          { name: entry.flag, description: entry.description, enabled: false, strategies: [], variants: [] },
          { selector, stage },
        ),
      );
    }
  }
  await writeDefinitions(config.flags.path, { ...definitions, features });
  const who = describeSelector(selector, nameOf);
  for (const entry of units) process.stdout.write(`${entry.unit}: ${who} -> ${stage}\n`);
  process.stdout.write(`Saved to ${config.flags.path}; a running gateway applies it within a second.\n`);
  return 0;
}

async function push(args: readonly string[]): Promise<number> {
  const url = process.env.UNLEASH_URL;
  const token = process.env.UNLEASH_ADMIN_TOKEN;
  if (url === undefined || token === undefined) {
    throw new ConfigError('figway flags push needs UNLEASH_URL and UNLEASH_ADMIN_TOKEN (an admin token).');
  }
  // Pushing needs no gateway configuration: the file is the one given, or the defaults.
  const file = option(args, '--file') ?? process.env.FIGWAY_FLAGS_FILE ?? `${FLAGS_DIR}/definitions.json`;
  const report = await pushDefinitions(await readCatalogue(), await readDefinitions(file), {
    url,
    token,
    ...(process.env.UNLEASH_ENVIRONMENT === undefined
      ? {}
      : { environment: process.env.UNLEASH_ENVIRONMENT }),
    ...(process.env.UNLEASH_PROJECT === undefined ? {} : { project: process.env.UNLEASH_PROJECT }),
  });
  process.stdout.write(
    `Pushed ${file} to ${url}: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged.\n`,
  );
  return 0;
}

/** `figway flags list|set|push|check`. */
export async function flagsCommand(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'list':
      return list(rest);
    case 'set':
      return set(rest);
    case 'push':
      return push(rest);
    case 'check':
      return (await import('./flagsCheckCommand.ts')).flagsCheckCommand(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return 0;
    default:
      process.stderr.write(usage());
      return 2;
  }
}
