import type { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { createMergedTypeResolver, stitchSchemas } from '@graphql-tools/stitch';
import { buildSchema, type GraphQLSchema, Kind, type SelectionSetNode } from 'graphql';
import { readTargetContract, type TargetServiceKind } from '../src/services/targetContract.ts';

// A `...ByIds` entry point answers in any order and leaves out what it cannot show:
// each key gets the result with its id, or null.
function valuesById(results: unknown, keys: readonly string[]): unknown[] {
  if (!Array.isArray(results)) return keys.map(() => results);
  const found = new Map<unknown, unknown>();
  for (const result of results)
    if (typeof result === 'object' && result !== null && 'id' in result) found.set(result.id, result);
  return keys.map((key) => found.get(key) ?? null);
}

// valuesById matches results to keys by id, so the id must be in every result, even
// when the client's selection does not ask for it.
function withId(selectionSet: SelectionSetNode): SelectionSetNode {
  const hasId = selectionSet.selections.some(
    (selection) =>
      selection.kind === Kind.FIELD && selection.name.value === 'id' && selection.alias === undefined,
  );
  if (hasId) return selectionSet;
  const id = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'id' } } as const;
  return { ...selectionSet, selections: [...selectionSet.selections, id] };
}

// A merged type is completed from the OLTP service by its id through a `...ByIds` entry
// point: batch delegation, one call per type and resolver level, whatever the number of objects.
function mergedById(typeName: string, fieldName: string) {
  const argsFromKeys = (ids: readonly string[]) => ({ ids });
  const resolver = createMergedTypeResolver(
    { fieldName, argsFromKeys, valuesFromResults: valuesById },
    typeName,
  );
  if (resolver === undefined) throw new Error(`no merged type resolver for ${typeName}`);
  return {
    selectionSet: '{ id }',
    fieldName,
    key: (object: { id: string }) => object.id,
    argsFromKeys,
    valuesFromResults: valuesById,
    resolve: ((original, context, info, subschema, selectionSet, key, type) =>
      resolver(
        original,
        context,
        info,
        subschema,
        withId(selectionSet),
        key,
        type,
      )) satisfies typeof resolver,
  };
}

// A subschema's batch is sent when the macrotask that made its first call is done
// (setImmediate), as figway's remote calls send theirs: reads of one resolver level and
// the next that need no I/O in between go as one HTTP request.
const ONE_MACROTASK = {
  dataLoaderOptions: { batchScheduleFn: (send: () => void) => void setImmediate(send) },
};

/**
 * The plain stitched gateway's schema (plainStitchedGateway.ts): the two target services
 * stitched with `@graphql-tools/stitch` from their contracts (schema/targets/):
 * `Profile` and `CommitmentType`, which the ledger knows only by id, are merged by id
 * with the OLTP service's through `profilesByIds` and `commitmentTypesByIds`; each
 * subschema batches the calls made with one context within one macrotask into one HTTP
 * request (`batch: true`): a page's commitment types and its parties' profiles go together.
 */
export async function stitchTargetServices(
  executors: Record<TargetServiceKind, ReturnType<typeof buildHTTPExecutor>>,
): Promise<GraphQLSchema> {
  const [ledger, oltp] = await Promise.all([readTargetContract('ledger'), readTargetContract('oltp')]);
  return stitchSchemas({
    subschemas: [
      {
        name: 'ledger',
        schema: buildSchema(ledger),
        executor: executors.ledger,
        batch: true,
        batchingOptions: ONE_MACROTASK,
      },
      {
        name: 'oltp',
        schema: buildSchema(oltp),
        executor: executors.oltp,
        batch: true,
        batchingOptions: ONE_MACROTASK,
        merge: {
          Profile: mergedById('Profile', 'profilesByIds'),
          CommitmentType: mergedById('CommitmentType', 'commitmentTypesByIds'),
        },
      },
    ],
  });
}
