import {
  buildSchema,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { seededRandom } from '../../harness/seededRandom.ts';
import { DateTime } from '../../src/schema/dateTimeScalar.ts';
import type { ComparisonRules } from '../../src/shadow/compareValues.ts';
import type { SelectionInfo } from '../../src/shadow/projectSelection.ts';

/** A small schema with every shape a unit's value takes: objects, lists with and without ids, nested lists, scalars. */
export const schema = buildSchema(`
  scalar DateTime
  type Query { commitment: Commitment commitments: [Commitment!]! grid: [[Line]] }
  interface Named { name: String }
  type Commitment {
    id: ID! title: String amount: Float count: Int! active: Boolean dueAt: DateTime
    tags: [String] parties: [Party!] lines: [Line] grid: [[Int]] owner: Party status: String
    next: Commitment named: Named
  }
  type Party implements Named { id: ID! name: String since: DateTime shares: [Line] }
  type Line { label: String qty: Int price: Float }
`);
Object.assign(schema.getType('DateTime') ?? {}, { serialize: DateTime.__serialize });
// status has a resolver of its own: another unit, left out of the projection.
const status = (schema.getType('Commitment') as GraphQLObjectType).getFields().status as GraphQLField<
  unknown,
  unknown
>;
status.resolve = () => 'ACTIVE';

/** A seeded PRNG: the same seed gives the same cases. */
export const random = seededRandom;

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const chance = (rng: Rng, p: number) => rng() < p;

/** The SelectionInfo of the query's first root field. */
export function infoFor(query: string, variables: Record<string, unknown>): SelectionInfo {
  const document = parse(query);
  const operation = document.definitions.find(
    (definition) => definition.kind === 'OperationDefinition',
  ) as OperationDefinitionNode;
  const field = operation.selectionSet.selections[0] as FieldNode;
  const fragments = Object.fromEntries(
    document.definitions.flatMap((definition) =>
      definition.kind === 'FragmentDefinition' ? [[definition.name.value, definition]] : [],
    ),
  );
  const returnType = schema.getQueryType()?.getFields()[field.name.value]?.type as GraphQLOutputType;
  return { returnType, fieldNodes: [field], fragments, variableValues: variables };
}

const ALIASES = ['a', 'b', 'id', 'x', 'name'];

function directive(rng: Rng): string {
  if (!chance(rng, 0.15)) return '';
  return pick(rng, [' @skip(if: $s)', ' @include(if: $i)', ' @include(if: false)', ' @skip(if: false)']);
}

// A selection set on `type`, with aliases, directives, inline and named fragments.
function selectionOn(rng: Rng, type: GraphQLObjectType, depth: number, fragments: string[]): string {
  const fields = Object.values(type.getFields());
  const parts: string[] = [];
  for (const field of fields) {
    if (!chance(rng, 0.55)) continue;
    const named = getNamedType(field.type);
    if (!isLeafType(named) && depth >= (field.name === 'next' ? 5 : 3)) continue;
    const alias = chance(rng, 0.15) ? `${pick(rng, ALIASES)}: ` : '';
    const sub = isObjectType(named) ? ` { ${selectionOn(rng, named, depth + 1, fragments)} }` : '';
    const interfaceSub = !isLeafType(named) && !isObjectType(named) ? ' { name }' : '';
    parts.push(`${alias}${field.name}${directive(rng)}${sub}${interfaceSub}`);
  }
  if (parts.length === 0 || chance(rng, 0.1)) parts.push('__typename');
  const wrap = rng();
  if (wrap < 0.12) return `... on ${type.name}${directive(rng)} { ${parts.join(' ')} }`;
  if (wrap < 0.2)
    return `id ... { ${parts.join(' ')} } ... on ${type.name === 'Line' ? 'Party' : 'Line'} { label }`;
  if (wrap < 0.3) {
    const name = `F${fragments.length}`;
    fragments.push(`fragment ${name} on ${type.name} { ${parts.join(' ')} }`);
    return `...${name}${directive(rng)}`;
  }
  return parts.join(' ');
}

/** A random query on one of the root fields, and its variables. */
export function randomQuery(rng: Rng): { query: string; variables: Record<string, unknown> } {
  const root = pick(rng, ['commitment', 'commitments', 'grid']);
  const type = getNamedType(schema.getQueryType()?.getFields()[root]?.type) as GraphQLObjectType;
  const fragments: string[] = [];
  const selection = selectionOn(rng, type, 0, fragments);
  return {
    query: `query ($s: Boolean!, $i: Boolean!) { ${root} { ${selection} } } ${fragments.join(' ')}`,
    variables: { s: chance(rng, 0.5), i: chance(rng, 0.5) },
  };
}

const INSTANTS = ['2026-01-05T09:00:00.000Z', '2026-01-05T10:00:00+01:00', '2026-01-05T09:00:00.001Z'];

function scalar(rng: Rng, name: string): unknown {
  switch (name) {
    case 'ID':
      return chance(rng, 0.7) ? pick(rng, ['p1', 'p2', 'p3', 'p4', 'p.1', 'p]1']) : 1 + Math.floor(rng() * 4);
    case 'String':
      return chance(rng, 0.3) ? pick(rng, INSTANTS) : pick(rng, ['Loan', 'Rent', 'loan', '']);
    case 'Int':
      return Math.floor(rng() * 5);
    case 'Float':
      return pick(rng, [1, 1.004, 1.5, 2.25, -0]);
    case 'Boolean':
      return chance(rng, 0.5);
    default:
      return chance(rng, 0.5) ? new Date(pick(rng, INSTANTS)) : pick(rng, INSTANTS);
  }
}

/** A random raw value of `type` (what a resolver might return), with extra unselected properties. */
export function randomValue(rng: Rng, type: GraphQLOutputType, depth = 0): unknown {
  const bare = isNonNullType(type) ? type.ofType : type;
  if (chance(rng, isNonNullType(type) ? 0.02 : 0.08)) return null;
  if (isLeafType(bare)) return scalar(rng, bare.name);
  if (isListType(bare)) {
    if (depth > 4) return [];
    return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, bare.ofType, depth + 1));
  }
  const named = getNamedType(bare);
  const object = (isObjectType(named) ? named : schema.getType('Party')) as GraphQLObjectType;
  const value: Record<string, unknown> = { unselected: 'x' };
  for (const field of Object.values(object.getFields())) {
    if (chance(rng, 0.06)) continue;
    if (!isLeafType(getNamedType(field.type)) && depth > (field.name === 'next' ? 6 : 3)) continue;
    value[field.name] = randomValue(rng, field.type, depth + 1);
  }
  return value;
}

const ODD_VALUES: unknown[] = [null, undefined, 'abc', 7, 1.0001, true, {}, [], [1], { id: 'p9' }];

// One random change somewhere in `value` (mutated in place); returns the value (replaced when at the top).
function mutate(rng: Rng, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || chance(rng, 0.03)) return pick(rng, ODD_VALUES);
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  const container = value as Record<string | number, unknown>;
  const action = rng();
  if (Array.isArray(value) && action < 0.25) {
    const list = value as unknown[];
    const how = rng();
    if (how < 0.3) list.reverse();
    else if (how < 0.55 && list.length > 0) list.push(structuredClone(pick(rng, list)));
    else if (how < 0.8) list.splice(Math.floor(rng() * list.length), 1);
    else if (list.length > 0) delete list[Math.floor(rng() * list.length)];
    return value;
  }
  if (keys.length === 0) return value;
  const key = pick<string | number>(rng, keys);
  const child = container[key];
  if (typeof child === 'object' && child !== null && !(child instanceof Date) && action < 0.8) {
    container[key] = mutate(rng, child);
  } else if (action < 0.9) {
    if (typeof child === 'number') container[key] = child + pick(rng, [0.001, 0.5, 1]);
    else if (typeof child === 'string') container[key] = `${child}!`;
    else container[key] = pick(rng, ODD_VALUES);
  } else if (Array.isArray(value)) container[key] = null;
  else delete container[key];
  return value;
}

/** The candidate: the control itself, a copy, or a copy with a few random changes. */
export function randomCandidate(rng: Rng, control: unknown): unknown {
  if (chance(rng, 0.1)) return control;
  let candidate = structuredClone(control);
  const changes = Math.floor(rng() * 4);
  for (let i = 0; i < changes; i++) candidate = mutate(rng, candidate);
  return candidate;
}

/** A root path for the diffs. */
export const randomRoot = (rng: Rng) =>
  pick(rng, ['', 'commitment', 'data.page[id=c1]', 'x[3]', 'odd..root', 'x[3']);

// A pattern that matches `path` or its parent, with some tokens turned into wildcards.
function patternFrom(rng: Rng, path: string): string {
  const tokens = path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  const kept = chance(rng, 0.3) && tokens.length > 1 ? tokens.slice(0, -1) : tokens;
  return kept
    .map((token, index) => {
      const wild = chance(rng, 0.3);
      if (token.startsWith('[')) return wild ? '[*]' : token;
      const key = wild ? '*' : token;
      return index === 0 ? key : `.${key}`;
    })
    .join('');
}

/** Rules: ignore patterns drawn from the paths that differ (and a few fixed ones), a tolerance, ordered lists or not. */
export function randomRules(rng: Rng, root: string, differing: readonly string[]): ComparisonRules {
  const ignore: string[] = [];
  const count = Math.floor(rng() * 3);
  for (let i = 0; i < count; i++) {
    if (differing.length > 0 && chance(rng, 0.7)) ignore.push(patternFrom(rng, pick(rng, differing)));
    else
      ignore.push(pick(rng, [`${root}.title`, '*.name', `${root}.parties[*].since`, `${root}[*].id`, 'x']));
  }
  return { ignore, tolerance: pick(rng, [0, 0, 0.01, 1]), orderedLists: chance(rng, 0.2) };
}
