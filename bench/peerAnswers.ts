import { firstDifference } from './fireLoad.ts';

/** POSTs `query` to the GraphQL endpoint `url` as the token's user and returns the body of the answer, as sent. */
export async function postQuery(url: string, token: string, query: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return body;
}

/**
 * Throws, naming `label`, unless `actual` equals `expected` byte for byte, or when
 * `expected` carries GraphQL errors (a reference must be a clean answer).
 */
export function checkAnswer(label: string, expected: string, actual: string): void {
  if (expected.includes('"errors"'))
    throw new Error(`figway at legacy answered with errors: ${expected.slice(0, 300)}`);
  if (actual !== expected)
    throw new Error(
      `${label}: the answer differs from figway's at legacy ${firstDifference(expected, actual)}`,
    );
}

/** Counts the commitments the token's user sees through the gateway at `url`, a page of 100 at a time. */
export async function commitmentsSeen(url: string, token: string): Promise<number> {
  let seen = 0;
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const query = `query PeerVisible { commitments(first: 100${after === null ? '' : `, after: "${after}"`}) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const answer = JSON.parse(await postQuery(url, token, query)) as {
      data?: {
        commitments?: { edges?: unknown[]; pageInfo?: { hasNextPage?: boolean; endCursor?: string | null } };
      };
    };
    const commitments = answer.data?.commitments;
    seen += commitments?.edges?.length ?? 0;
    after = commitments?.pageInfo?.endCursor ?? null;
    if (commitments?.pageInfo?.hasNextPage !== true || after === null) return seen;
  }
  return seen;
}
