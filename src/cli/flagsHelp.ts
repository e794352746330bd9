import { STAGES } from '../core/stage.ts';
import type { RuleSelector } from '../routing/stageRules.ts';

/**
 * Where units move in this environment, for help texts: the embedded default's flags file,
 * which `figway flags set` edits, or Unleash at `UNLEASH_URL`, whose web UI is the only place
 * (`flags set` refuses there). Read from the environment alone, so help works even when the
 * rest of the configuration is incomplete; an empty `UNLEASH_URL` means unset, as in `loadConfig`.
 */
export type FlagsMode = { kind: 'file' } | { kind: 'unleash'; uiUrl: string };

/** The mode `env` selects. */
export function flagsModeOf(env: NodeJS.ProcessEnv): FlagsMode {
  const url = env.UNLEASH_URL ?? '';
  return url === '' ? { kind: 'file' } : { kind: 'unleash', uiUrl: unleashUiUrl(url) };
}

/** Unleash's web UI, at the root of its API URL (`https://unleash.example/api` -> `https://unleash.example/`). */
export function unleashUiUrl(apiUrl: string): string {
  return apiUrl.replace(/\/api\/?$/, '/');
}

/** The `flags` entry of `figway --help`, two lines indented as that text is. */
export function flagsSummary(mode: FlagsMode): string {
  if (mode.kind === 'unleash') {
    return `  flags list|check|push
                         see each migration unit's stage per cohort as Unleash evaluates it; units
                         move in Unleash's web UI (the README's "In Unleash" steps); check exits 1
                         when a unit is at live or later without a ready shadow-diff verdict (see
                         figway flags --help)
`;
  }
  return `  flags list|set|push|check
                         see and move each migration unit's stage per cohort (figway flags set
                         Commitment.status live --cohort beta); check exits 1 when a unit is at live or
                         later without a ready shadow-diff verdict (see figway flags --help)
`;
}

const COMMANDS = {
  list: `  list [--json]                      each migration unit's flag as Unleash evaluates it: every strategy
                                     in order, its constraints, rollout, stickiness and variants
`,
  set: `  set <unit> <stage> [--cohort C | --users a,b | --percent N]
                                     set a unit's stage (the embedded default's flags file); <unit> may
                                     end in * (Profile.*); stages: ${STAGES.join(', ')}; a Mutation
                                     unit takes one stage for everyone (no --cohort, --users, --percent)
`,
  push: `  push [--file F]                    create or update the catalogue's flags on the Unleash server at
                                     UNLEASH_URL (admin token in UNLEASH_ADMIN_TOKEN), idempotently
`,
  check: `  check [--since 24h] [--json]       the promotion check: rules at live, rampdown or complete whose
                                     shadow-diff verdict is not ready; exits 1 when there is any
                                     (figway flags check --help says more)
`,
};

// Folds a paragraph into lines of at most `width` characters, for a terminal.
function wrap(text: string, width = 92): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/** `figway flags --help`: the commands of this mode, and how a unit moves in it. */
export function flagsUsage(mode: FlagsMode): string {
  if (mode.kind === 'unleash') {
    const how = wrap(
      `The flags come from Unleash (UNLEASH_URL): move a unit in its web UI, ${mode.uiUrl}, as the README's "In Unleash" steps say: on the unit's flag, a Gradual rollout at 100% with the constraint cohort is one of <cohort> and one strategy variant named after the stage, and the flag switched on in the environment. figway flags list then shows what figway serves each cohort, and figway flags check lists the units moved without shadow evidence.`,
    );
    return `usage: figway flags <command>
${how}
${COMMANDS.list}${COMMANDS.check}${COMMANDS.push}  set                                refused while UNLEASH_URL is set: it edits the embedded default's
                                     flags file, and these flags live in Unleash
`;
  }
  return `usage: figway flags <command>
${COMMANDS.list}${COMMANDS.set}${COMMANDS.push}${COMMANDS.check}Move a unit for a cohort, and back (a running gateway follows within a second):
  figway flags set Commitment.status live --cohort beta
  figway flags set Commitment.status legacy --cohort beta
`;
}

// The strategy the README's steps make in Unleash for what `flags set` was asked.
function strategyFor(selector: RuleSelector, stage: string): string {
  const variant = `one strategy variant named ${stage}`;
  switch (selector.kind) {
    case 'cohort':
      return `a Gradual rollout at 100% with the constraint cohort is one of ${selector.cohort} and ${variant}`;
    case 'users':
      return `a Gradual rollout at 100% with the constraint userId is one of ${selector.userIds.join(', ')} and ${variant}`;
    case 'percent':
      return `a Gradual rollout at ${selector.percent}% with no constraint and ${variant}`;
    case 'everyone':
      return `a Gradual rollout at 100% with no constraint and ${variant}`;
  }
}

/**
 * Why `figway flags set` refuses under Unleash, and the same move (`move.selector` at
 * `move.stage`) made on `flags` in Unleash's web UI at `uiUrl`: the README's "In Unleash" steps.
 * `move.narrowed` says the selector asked for was dropped, as a Mutation unit takes one stage for everyone.
 */
export function unleashSetRefusal(
  uiUrl: string,
  flags: readonly string[],
  move: { stage: string; selector: RuleSelector; narrowed?: boolean },
): string {
  const which = flags.length === 1 ? `the flag ${flags[0]}` : `each of the flags ${flags.join(', ')}`;
  return wrap(
    [
      "figway flags set edits the embedded default's flags file, but the flags come from Unleash (UNLEASH_URL).",
      ...(move.narrowed === true
        ? ['A Mutation unit takes one stage for everyone, so its strategy has no constraint.']
        : []),
      `Make the same move in Unleash's web UI, ${uiUrl}: on ${which}, add ${strategyFor(move.selector, move.stage)},`,
      `and switch the flag on (the README's "In Unleash" steps). Then figway flags list shows what figway`,
      'serves each cohort, and figway flags check lists the units moved without shadow evidence.',
    ].join(' '),
  );
}
