/** A query the peers benchmark sends, always as alice. */
export interface PeerQuery {
  name: string;
  /** How the table names it. */
  label: string;
  query: string;
}

const NODE = 'id title status type { name } parties { role profile { username displayName } }';

const page = (first: number): PeerQuery => ({
  name: `commitments${first}`,
  label: `commitments(first: ${first}) with status, type, parties, profiles`,
  query:
    `query PeerCommitments${first} { commitments(first: ${first}) ` +
    `{ edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`,
});

/** A commitment alice created, with two other parties (one of the demo data's). */
export const PEER_COMMITMENT_ID = 'c0000000-0000-4000-8000-000000000003';

/** The benchmark's queries: a page of 20 of alice's commitments, a page of 50, and one commitment. */
export const PEER_QUERIES: readonly PeerQuery[] = [
  page(20),
  page(50),
  {
    name: 'commitment',
    label: 'commitment(id) with status, parties, profiles',
    query:
      `query PeerCommitment { commitment(id: "${PEER_COMMITMENT_ID}") ` +
      '{ id title status parties { role profile { username displayName } } } }',
  },
];
