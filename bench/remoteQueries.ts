import { firstDifference } from './fireLoad.ts';
import { PEER_COMMITMENT_ID, PEER_QUERIES } from './peerQueries.ts';

/** A query of the remote benchmark, as figway's public schema and as the stitched contracts ask it. */
export interface RemoteQuery {
  name: 'commitments20' | 'commitment';
  /** How the table names it. */
  label: string;
  /** For figway (in-process or remote): the peers benchmark's query. */
  figway: string;
  /** For the plain stitched gateway: the same fields through the contract's entry points. */
  stitched: string;
}

function peerQuery(name: string): string {
  const query = PEER_QUERIES.find((candidate) => candidate.name === name)?.query;
  if (query === undefined) throw new Error(`no peers query ${name}`);
  return query;
}

const NODE = 'id title status type { name } parties { role profile { username displayName } }';

/** The remote benchmark's queries, always as alice. */
export const REMOTE_QUERIES: readonly RemoteQuery[] = [
  {
    name: 'commitments20',
    label: 'commitments(first: 20) with status, type, parties, profiles',
    figway: peerQuery('commitments20'),
    stitched: `query StitchedCommitments20 { commitments(first: 20) { nodes { ${NODE} } hasNextPage } }`,
  },
  {
    name: 'commitment',
    label: 'commitment(id) with status, parties, profiles',
    figway: peerQuery('commitment'),
    stitched:
      `query StitchedCommitment { commitmentsByIds(ids: ["${PEER_COMMITMENT_ID}"]) ` +
      '{ id title status parties { role profile { username displayName } } } }',
  },
];

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

interface FigwayPage {
  edges: Array<{ node: unknown }>;
  pageInfo: { hasNextPage: boolean };
}

// The fields both systems serve, in one shape: the page's nodes in order and
// hasNextPage (figway's cursors and endCursor left out), or the one commitment.
function commonFields(query: RemoteQuery, system: 'figway' | 'stitched', answer: Answer): unknown {
  const data = answer.data ?? {};
  if (query.name === 'commitment')
    return system === 'figway' ? data.commitment : ((data.commitmentsByIds as unknown[])[0] ?? null);
  if (system === 'stitched') return data.commitments;
  const page = data.commitments as FigwayPage;
  return { nodes: page.edges.map((edge) => edge.node), hasNextPage: page.pageInfo.hasNextPage };
}

/**
 * Throws unless the plain stitched gateway's answer to `query` equals figway's on the
 * fields both serve (commitments in order with id, title, status, type name, parties'
 * roles and profiles; hasNextPage), or when either carries errors.
 */
export function checkCommonFields(query: RemoteQuery, figwayBody: string, stitchedBody: string): void {
  const figway = JSON.parse(figwayBody) as Answer;
  const stitched = JSON.parse(stitchedBody) as Answer;
  for (const [system, answer] of [
    ['figway', figway],
    ['the plain stitched gateway', stitched],
  ] as const) {
    if (answer.errors !== undefined)
      throw new Error(`${system} answered ${query.name} with errors: ${JSON.stringify(answer.errors)}`);
  }
  const expected = JSON.stringify(commonFields(query, 'figway', figway));
  const actual = JSON.stringify(commonFields(query, 'stitched', stitched));
  if (actual !== expected)
    throw new Error(
      `${query.name}: the plain stitched gateway's answer differs from figway's on the fields both serve ` +
        firstDifference(expected, actual),
    );
}
