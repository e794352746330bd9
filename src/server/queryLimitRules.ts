import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import type { ValidationRule } from 'graphql';
import type { QueryLimits } from '../config.ts';
import { maxRootFieldsRule } from './maxRootFieldsRule.ts';
import { type QueryLimitName, refuseQuery } from './refuseQuery.ts';

// Armor reports "Query depth limit of 8 exceeded, found 20."; figway keeps the number
// found and reports it with its own code and the setting that raises the limit.
function reportAs(limit: QueryLimitName, max: number): GraphQLArmorRejectCallback {
  return (context, error) => {
    const found = /found (\d+)/.exec(error.message)?.[1];
    context?.reportError(refuseQuery(limit, max, found === undefined ? null : Number(found)));
  };
}

// Armor's rules throw on rejection unless told otherwise; reporting instead lets
// validation answer every limit at once, with HTTP 400 rather than a 500.
function armorOptions(limit: QueryLimitName, max: number) {
  return { n: max, propagateOnRejection: false, onReject: [reportAs(limit, max)] };
}

/**
 * The validation rules that bound an operation's shape before it runs: GraphQL
 * Armor's depth, alias and directive limits, and figway's root-field limit. Each
 * refusal is a QUERY_TOO_COMPLEX error naming its setting. Introspection's own depth
 * is bounded by graphql's MaxIntrospectionDepthRule, among the specified rules.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    // A fragment spread is not a level: otherwise colocated fragments (Relay) would
    // count twice against the depth of the fields they hold.
    maxDepthRule({ ...armorOptions('maxDepth', limits.maxDepth), flattenFragments: true }),
    maxAliasesRule(armorOptions('maxAliases', limits.maxAliases)),
    maxDirectivesRule(armorOptions('maxDirectives', limits.maxDirectives)),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}
