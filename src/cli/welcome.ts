import { relative } from 'node:path';

/** What the embedded default prints at start: where it serves, how to query, subscribe and move a unit. */
export function welcome(url: string, version: string, dataDir: string): string {
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
    'Move a unit to the target for one cohort, and back:',
    '  npx figway flags set Commitment.status live --cohort beta',
    '  npx figway flags set Commitment.status legacy --cohort beta',
    '',
    `Health: ${url.replace(/\/graphql$/, '/healthz')}    Stop: Ctrl-C`,
    '',
  ].join('\n');
}
