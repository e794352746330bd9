import { relative } from 'node:path';
import type { FlagsConfig } from '../configTypes.ts';

// How a unit moves in this mode: with the flags file, `figway flags set`; with Unleash,
// its web UI (where `flags set` refuses), and `figway flags list` to read the result.
function moving(flags: FlagsConfig): string[] {
  if (flags.kind === 'unleash') {
    const ui = flags.url.replace(/\/api\/?$/, '/');
    return [
      `Flags come from Unleash: move a unit for a cohort in its web UI (${ui}), then see`,
      'what figway will serve each cohort with:',
      '  npx figway flags list',
    ];
  }
  return [
    'Move a unit to the target for one cohort, and back:',
    '  npx figway flags set Commitment.status live --cohort beta',
    '  npx figway flags set Commitment.status legacy --cohort beta',
  ];
}

/** What the embedded default prints at start: where it serves, how to query, subscribe and move a unit. */
export function welcome(url: string, version: string, dataDir: string, flags: FlagsConfig): string {
  const query = '{ me { username } commitments(first: 5) { edges { node { title status } } } }';
  return [
    '',
    `figway is serving the Connect schema (${version}) at ${url}`,
    `Embedded default: legacy Supabase on PGlite in ${relative(process.cwd(), dataDir) || '.'}/, with demo users`,
    'alice and carol (cohort beta), bob and dave (cohort general), and admin (service_role).',
    '',
    'Get a token for a demo user (valid one hour):',
    '  npx figway token alice',
    '',
    'Query as alice:',
    `  curl -s ${url} \\`,
    "    -H 'content-type: application/json' \\",
    '    -H "authorization: Bearer $(npx figway token alice)" \\',
    `    -d '${JSON.stringify({ query })}'`,
    '',
    `Subscribe over graphql-ws at ${url.replace(/^http/, 'ws')} (token in connectionParams.authorization),`,
    "e.g. to 'subscription { myCommitmentActivity { kind commitment { title status } } }'.",
    '',
    ...moving(flags),
    '',
    `Health: ${url.replace(/\/graphql$/, '/healthz')}    Stop: Ctrl-C`,
    '',
  ].join('\n');
}
