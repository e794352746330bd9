import {
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { refuseQuery } from './refuseQuery.ts';

/**
 * A validation rule refusing operations with more than `max` root fields, counting
 * those reached through fragments and aliases: each root field is its own backend
 * call, which GraphQL Armor's depth and alias limits do not bound on their own.
 */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const found = countRootFields(operation.selectionSet, context, new Set(), new Map());
      if (found > max) context.reportError(refuseQuery('maxRootFields', max, found));
    },
  });
}

// `visiting` holds the fragments on the current path: a fragment cycle is reported by
// graphql's NoFragmentCyclesRule, and must not loop here meanwhile. `counted` keeps each
// fragment's count, so fragments spreading others twice over cost linear time, not 2^n.
function countRootFields(
  selectionSet: SelectionSetNode,
  context: ValidationContext,
  visiting: Set<string>,
  counted: Map<string, number>,
): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(selection.selectionSet, context, visiting, counted);
    } else {
      const name = selection.name.value;
      const known = counted.get(name);
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
      if (known !== undefined) count += known;
      else if (fragment !== null && fragment !== undefined && !visiting.has(name)) {
        visiting.add(name);
        const inFragment = countRootFields(fragment.selectionSet, context, visiting, counted);
        visiting.delete(name);
        counted.set(name, inFragment);
        count += inFragment;
      }
    }
  }
  return count;
}
