import { getNullableType, isListType } from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';

// Lists a ledger document holds inside its commitment: read with the commitment, at no
// cost of their own, and priced once per commitment, as the ...ByCommitmentIds entry
// points price them. The gateway selects them with every commitment it reads.
const EMBEDDED_LISTS = new Set(['Commitment.parties', 'Commitment.documents']);

/**
 * How a target service prices each field of an operation for its cost limit: 1 plus
 * what it selects, times the number of items it may return. For an entry point given
 * `ids`, that is one item per id (a commitment's parties count as one: an estimate);
 * for a field with `first`, its value; for a page's `nodes`, once, since `first`
 * counted them; for a commitment's parties and documents, once (the commitment's
 * document holds them); for any other list, `assumedListSize`. Introspection is not multiplied:
 * graphql's MaxIntrospectionDepthRule bounds it. The public schema's estimator prices
 * lists without `first` at the assumed size; a service's callers send key lists of up
 * to 1000 ids, and a variable holding them would otherwise be priced as 10.
 */
export function serviceCostEstimator(assumedListSize: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const own = 1 + childComplexity;
    if (type.name.startsWith('__') || field.name.startsWith('__')) return own;
    const ids: unknown = args.ids;
    if (Array.isArray(ids)) return own * Math.max(ids.length, 1);
    if (field.args.some((arg) => arg.name === 'first')) {
      const first: unknown = args.first;
      return own * (typeof first === 'number' ? Math.max(first, 1) : assumedListSize);
    }
    if (!isListType(getNullableType(field.type)) || EMBEDDED_LISTS.has(`${type.name}.${field.name}`))
      return own;
    return field.name === 'nodes' && type.name.endsWith('Page') ? own : own * assumedListSize;
  };
}
