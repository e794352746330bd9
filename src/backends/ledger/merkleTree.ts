import { dot, type Hash } from './ledgerHash.ts';

// QLDB builds its Merkle trees level by level, pairing neighbours left to right and
// carrying an unpaired last node up unchanged (JournalBlock.computeEntriesHash in the
// AWS verification tutorial). That is the left-balanced tree of RFC 6962: the root
// of n leaves is dot(root of the first k, root of the rest), k the largest power of
// two below n. Both descriptions are used here: the first to build, the second to
// plan proofs over stored subtree roots.

/** The Merkle root of `leaves`, or the empty hash for none. */
export function merkleRoot(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return new Uint8Array(0);
  let level = [...leaves];
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Hash;
      const right = level[i + 1];
      next.push(right === undefined ? left : dot(left, right));
    }
    level = next;
  }
  return level[0] as Hash;
}

/** The largest power of two strictly below `n` (n >= 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A perfect subtree of a Merkle tree: 2^level leaves starting at leaf `index * 2^level`. */
export interface NodeRef {
  level: number;
  index: number;
}

/**
 * The perfect subtrees whose roots, folded right to left with `dot`, give the root
 * of leaves [start, end). `start` is aligned, as every range in a proof is.
 */
export function rangeNodes(start: number, end: number): NodeRef[] {
  const size = end - start;
  if (size <= 0) return [];
  if ((size & (size - 1)) === 0) return [{ level: Math.log2(size), index: start / size }];
  const k = largestPowerOfTwoBelow(size);
  return [...rangeNodes(start, start + k), ...rangeNodes(start + k, end)];
}

/**
 * The audit path of leaf `m` in a tree of `n` leaves (RFC 6962, section 2.1.1),
 * bottom-up: each element is the set of perfect subtrees making up one sibling.
 */
export function auditPathPlan(m: number, n: number, offset = 0): NodeRef[][] {
  if (n <= 1) return [];
  const k = largestPowerOfTwoBelow(n);
  if (m < k) return [...auditPathPlan(m, k, offset), rangeNodes(offset + k, offset + n)];
  return [...auditPathPlan(m - k, n - k, offset + k), rangeNodes(offset, offset + k)];
}

/** Folds subtree roots right to left into the root of the range they cover. */
export function foldRange(roots: readonly Hash[]): Hash {
  return roots.reduceRight<Hash>((accumulated, root) => dot(root, accumulated), new Uint8Array(0));
}

/** The audit path of `leaves[m]` computed from the leaves themselves (small trees, such as a block's entries). */
export function auditPath(leaves: readonly Hash[], m: number): Hash[] {
  const hashOf = (ref: NodeRef) => {
    const width = 2 ** ref.level;
    return merkleRoot(leaves.slice(ref.index * width, (ref.index + 1) * width));
  };
  return auditPathPlan(m, leaves.length).map((sibling) => foldRange(sibling.map(hashOf)));
}

/**
 * Adds leaf number `index` to a tree whose frontier (the roots of its perfect
 * subtrees, largest first) is `frontier`. Returns the new frontier and the perfect
 * subtrees the leaf completed, which a store keeps to answer proofs later.
 */
export function appendLeaf(frontier: readonly Hash[], index: number, leaf: Hash) {
  const next = [...frontier];
  const completed: Array<NodeRef & { hash: Hash }> = [];
  let carry = { level: 0, index, hash: leaf };
  // The frontier's last root has level = the number of trailing one bits of `index`.
  let position = index;
  while ((position & 1) === 1) {
    const left = next.pop() as Hash;
    carry = { level: carry.level + 1, index: carry.index >> 1, hash: dot(left, carry.hash) };
    completed.push(carry);
    position >>= 1;
  }
  next.push(carry.hash);
  return { frontier: next, completed };
}
