import type { FlagStrategy } from './flagFiles.ts';

/** One constraint of a strategy, as the flag definitions hold it. */
export type FlagConstraint = FlagStrategy['constraints'][number];

// The words of Unleash's own UI (8.x), so `figway flags list` reads as the flag page does.
const PHRASES: Readonly<Record<string, readonly [plain: string, inverted: string]>> = {
  IN: ['is one of', 'is not one of'],
  NOT_IN: ['is not one of', 'is one of'],
  STR_CONTAINS: ['is a string that contains', 'is a string that does not contain'],
  STR_STARTS_WITH: ['is a string that starts with', 'is a string that does not start with'],
  STR_ENDS_WITH: ['is a string that ends with', 'is a string that does not end with'],
  NUM_EQ: ['is a number equal to', 'is a number not equal to'],
  NUM_GT: ['is a number greater than', 'is a number not greater than'],
  NUM_GTE: ['is a number greater than or equal to', 'is a number less than'],
  NUM_LT: ['is a number less than', 'is a number not less than'],
  NUM_LTE: ['is a number less than or equal to', 'is a number greater than'],
  DATE_BEFORE: ['is a date before', 'is a date not before'],
  DATE_AFTER: ['is a date after', 'is a date not after'],
  SEMVER_EQ: ['is a SemVer equal to', 'is a SemVer not equal to'],
  SEMVER_GT: ['is a SemVer greater than', 'is a SemVer not greater than'],
  SEMVER_LT: ['is a SemVer less than', 'is a SemVer not less than'],
  SEMVER_GTE: ['is a SemVer greater than or equal to', 'is a SemVer not greater than or equal to'],
  SEMVER_LTE: ['is a SemVer less than or equal to', 'is a SemVer not less than or equal to'],
  REGEX: ['matches regex', 'does not match regex'],
  IN_CIDR: ['is an address in', 'is an address not in'],
};

// unleash-client reads `values` for these operators and `value` for the others.
const LIST_OPERATORS = new Set([
  'IN',
  'NOT_IN',
  'STR_CONTAINS',
  'STR_STARTS_WITH',
  'STR_ENDS_WITH',
  'IN_CIDR',
]);
// The operators whose match caseInsensitive changes (IN and NOT_IN always compare exactly).
const CASE_OPERATORS = new Set(['STR_CONTAINS', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'REGEX']);

/** True when unleash-client can evaluate `operator`; it treats any other as never matching. */
export function isKnownOperator(operator: string): boolean {
  return Object.hasOwn(PHRASES, operator);
}

/** The values a constraint compares with, as unleash-client reads them (blank list values dropped). */
export function constraintValues(constraint: FlagConstraint): string[] {
  if (LIST_OPERATORS.has(constraint.operator))
    return (constraint.values ?? []).filter((value) => value !== '').map((value) => value.trim());
  return constraint.value === undefined ? [] : [constraint.value];
}

/**
 * A constraint in the words of Unleash's UI: `emailDomain is a string that ends with
 * example.com (any case)`, `cohort is not one of beta, staff`. `cohort` and `userId` with
 * IN read as figway's own rules do (`cohort beta`, `users alice`); `userNames` turns user
 * ids into names. An operator unleash-client does not know says that it never matches.
 */
export function describeConstraint(
  constraint: FlagConstraint,
  userNames: (id: string) => string = (id) => id,
): string {
  const { contextName, operator } = constraint;
  const inverted = constraint.inverted === true;
  const values = constraintValues(constraint);
  if (operator === 'IN' && !inverted && contextName === 'cohort')
    return `${values.length === 1 ? 'cohort' : 'cohorts'} ${values.join(', ')}`;
  if (operator === 'IN' && !inverted && contextName === 'userId')
    return `users ${values.map(userNames).join(', ')}`;
  const phrases = PHRASES[operator];
  if (phrases === undefined) {
    const given = [
      ...(constraint.values ?? []),
      ...(constraint.value === undefined ? [] : [constraint.value]),
    ];
    return `${contextName} ${inverted ? 'not ' : ''}${operator} ${given.join(', ')} (an operator figway's Unleash client does not know: never matches)`;
  }
  const shown = contextName === 'userId' ? values.map(userNames) : values;
  const anyCase = constraint.caseInsensitive === true && CASE_OPERATORS.has(operator) ? ' (any case)' : '';
  return `${contextName} ${phrases[inverted ? 1 : 0]} ${shown.join(', ') || '(no value)'}${anyCase}`;
}
