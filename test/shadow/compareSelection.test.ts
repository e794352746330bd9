import { buildSchema, type FieldNode, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { PathDiff } from '../../src/core/observation.ts';
import { deeperThan, MAX_OBSERVED_DEPTH } from '../../src/shadow/boundDepth.ts';
import { compareSelection, ProjectionFailure } from '../../src/shadow/compareSelection.ts';
import { type ComparisonRules, compareValues, DEFAULT_RULES, idOf } from '../../src/shadow/compareValues.ts';
import { projectSelection, type SelectionInfo } from '../../src/shadow/projectSelection.ts';
import {
  infoFor,
  random,
  randomCandidate,
  randomQuery,
  randomRoot,
  randomRules,
  randomValue,
} from './randomSelectionCases.ts';

type Outcome = { diffs: PathDiff[] } | { failed: string };
type Case = [root: string, control: unknown, candidate: unknown, info: SelectionInfo, rules: ComparisonRules];

// What judging did before: two projected copies, then compareValues.
function composition(...[root, control, candidate, info, rules]: Case): Outcome {
  let projected: [unknown, unknown];
  try {
    projected = [projectSelection(control, info), projectSelection(candidate, info)];
  } catch (error) {
    return { failed: (error as Error).message };
  }
  return { diffs: compareValues(root, ...projected, rules) };
}

function fused(...[root, control, candidate, info, rules]: Case): Outcome {
  try {
    return { diffs: compareSelection(root, control, candidate, info, rules) };
  } catch (error) {
    if (!(error instanceof ProjectionFailure)) throw error;
    return { failed: error.message };
  }
}

// Whether a projected value holds a list whose items all have an id, one id held twice.
function repeatsAnId(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const ids = Array.isArray(value) ? value.map(idOf) : [];
  if (ids.length > 0 && ids.every((id) => id !== undefined) && new Set(ids).size < ids.length) return true;
  return Object.values(value).some(repeatsAnId);
}

// A raw value with copies of some of its lists' items added (its candidate then repeats them too, mostly alike).
function withRepeats(rng: () => number, value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  for (const child of Object.values(value)) withRepeats(rng, child);
  if (Array.isArray(value) && value.length > 0)
    value.push(structuredClone(value[Math.floor(rng() * value.length)]));
  return value;
}

// Checks `count` seeded random cases (each control passed through `shape`) against the composition; counts their outcomes.
function checkCases(count: number, shape = (_rng: () => number, control: unknown) => control) {
  const seen = { diffs: 0, matched: 0, failed: 0, ignored: 0, repeated: 0, alike: 0 };
  for (let seed = 1; seed <= count; seed++) {
    const rng = random(seed);
    const { query, variables } = randomQuery(rng);
    const info = infoFor(query, variables);
    const control = shape(rng, randomValue(rng, info.returnType));
    const candidate = randomCandidate(rng, control);
    const root = randomRoot(rng);
    const plain = composition(root, control, candidate, info, DEFAULT_RULES);
    const differing = 'diffs' in plain ? plain.diffs.map((diff) => diff.path) : [];
    const rules = randomRules(rng, root, differing);
    const expected = composition(root, control, candidate, info, rules);
    expect(fused(root, control, candidate, info, rules), `seed ${seed}: ${query}`).toStrictEqual(expected);
    if ('failed' in expected) seen.failed++;
    else if (expected.diffs.length > 0) seen.diffs++;
    else seen.matched++;
    if ('diffs' in expected && expected.diffs.length < differing.length) seen.ignored++;
    // Two lists at one path are only a diff as the items of a repeated id.
    const grouped = (diff: PathDiff) => Array.isArray(diff.control) && Array.isArray(diff.candidate);
    if ('diffs' in expected && expected.diffs.some(grouped)) seen.repeated++;
    // Nothing ignored and nothing differing, though a list by id repeats an id: both sides repeat it alike.
    const matched = 'diffs' in expected && expected.diffs.length === 0 && rules.ignore.length === 0;
    if (matched && !rules.orderedLists && repeatsAnId(projectSelection(control, info))) seen.alike++;
  }
  return seen;
}

const CASES = 4000;

describe('compareSelection', () => {
  it(`returns what projecting both values and comparing them returns, for ${CASES} random cases`, () => {
    const seen = checkCases(CASES);
    // The cases reach every outcome, not only one.
    expect(seen.diffs).toBeGreaterThan(CASES / 5);
    expect(seen.matched).toBeGreaterThan(CASES / 10);
    expect(seen.failed).toBeGreaterThan(CASES / 50);
    expect(seen.ignored).toBeGreaterThan(CASES / 50);
  });

  it(`does so for ${CASES} random cases whose lists repeat items`, () => {
    const seen = checkCases(CASES, withRepeats);
    // Ids held by more than one item: a diff of their groups, and no diff when repeated alike.
    expect(seen.repeated).toBeGreaterThan(CASES / 100);
    expect(seen.alike).toBeGreaterThan(CASES / 50);
  });

  describe('hand-picked cases', () => {
    const schema = buildSchema(`
      scalar Instant
      type Query { node: Node }
      type Node { id: ID! at: Instant next: Node items: [Node!] }
    `);
    Object.assign(schema.getType('Instant') ?? {}, {
      serialize: (value: unknown) => {
        if (typeof value !== 'string') throw new TypeError(`Instant cannot represent ${String(value)}`);
        return new Date(value).toISOString();
      },
    });

    function nodeInfo(query: string): SelectionInfo {
      const operation = parse(query).definitions[0] as OperationDefinitionNode;
      return {
        returnType: schema.getQueryType()?.getFields().node?.type as never,
        fieldNodes: [operation.selectionSet.selections[0] as FieldNode],
        fragments: {},
        variableValues: {},
      };
    }

    function chain(levels: number, bottom: unknown): unknown {
      let value: unknown = { id: 'end', at: bottom };
      for (let level = 0; level < levels; level++) value = { id: `n${level}`, next: value };
      return value;
    }
    const selection = (levels: number) => `${'next { '.repeat(levels)}id at${' }'.repeat(levels)}`;

    it('throws a ProjectionFailure with the cause when a scalar cannot be serialized', () => {
      const info = nodeInfo('{ node { id at } }');
      const attempt = () =>
        compareSelection(
          'n',
          { id: 'a', at: '2026-01-05T09:00:00Z' },
          { id: 'a', at: 42 },
          info,
          DEFAULT_RULES,
        );
      expect(attempt).toThrow(ProjectionFailure);
      expect(attempt).toThrow('Instant cannot represent 42');
      try {
        attempt();
      } catch (error) {
        expect((error as ProjectionFailure).cause).toBeInstanceOf(TypeError);
      }
    });

    it('fails on a value under an ignored path that cannot be serialized, as the projection did', () => {
      const info = nodeInfo('{ node { id at } }');
      const rules = { ...DEFAULT_RULES, ignore: ['n.at'] };
      const fine = '2026-01-05T09:00:00Z';
      expect(() => compareSelection('n', { id: 'a', at: 7 }, { id: 'a', at: fine }, info, rules)).toThrow(
        ProjectionFailure,
      );
      const [before, after] = ['2026-01-05T09:00:00Z', '2027-01-05T09:00:00Z'];
      expect(compareSelection('n', { id: 'a', at: before }, { id: 'a', at: after }, info, rules)).toEqual([]);
    });

    it('summarizes levels past the depth bound instead of comparing them', () => {
      const info = nodeInfo(`{ node { ${selection(MAX_OBSERVED_DEPTH + 2)} } }`);
      const deep = compareSelection(
        'n',
        chain(MAX_OBSERVED_DEPTH + 2, '2026-01-05T09:00:00Z'),
        chain(MAX_OBSERVED_DEPTH + 2, '2027-01-05T09:00:00Z'),
        info,
        DEFAULT_RULES,
      );
      expect(deep).toEqual([]);
      const left = chain(MAX_OBSERVED_DEPTH + 2, '2026-01-05T09:00:00Z');
      const right = chain(MAX_OBSERVED_DEPTH - 2, '2027-01-05T09:00:00Z');
      const shallow = compareSelection('n', left, right, info, DEFAULT_RULES);
      expect({ diffs: shallow }).toEqual(composition('n', left, right, info, DEFAULT_RULES));
      expect(shallow).toHaveLength(1);
      expect(JSON.stringify(shallow[0]?.control)).toContain(deeperThan(MAX_OBSERVED_DEPTH));
    });

    it('pairs list items by id and holds the projected items in the diff', () => {
      const info = nodeInfo('{ node { items { ref: id at } } }');
      const control = { items: [{ id: 'a', at: '2026-01-05T10:00:00+01:00', extra: 1 }, { id: 'b' }] };
      const candidate = { items: [{ id: 'b' }] };
      expect(compareSelection('n', control, candidate, info, DEFAULT_RULES)).toEqual([
        { path: 'n.items[0].ref', control: 'a', candidate: 'b' },
        { path: 'n.items[0].at', control: '2026-01-05T09:00:00.000Z', candidate: '(missing)' },
        { path: 'n.items[1]', control: { ref: 'b', at: '(missing)' }, candidate: '(missing)' },
      ]);
      const byId = nodeInfo('{ node { items { id at } } }');
      expect(compareSelection('n', control, candidate, byId, DEFAULT_RULES)).toEqual([
        {
          path: 'n.items[id=a]',
          control: { id: 'a', at: '2026-01-05T09:00:00.000Z' },
          candidate: '(missing)',
        },
      ]);
    });

    describe('an id held by more than one item', () => {
      const info = nodeInfo('{ node { items { id at } } }');
      const [early, late] = ['2026-01-05T10:00:00+01:00', '2027-01-05T09:00:00Z'];
      const a = { id: 'a', at: early, extra: 1 };
      const b = { id: 'b', at: early, extra: 2 };
      // The projections the diffs hold.
      const pa = { id: 'a', at: '2026-01-05T09:00:00.000Z' };
      const pb = { id: 'b', at: '2026-01-05T09:00:00.000Z' };
      const later = { id: 'b', at: late };
      const projectedLater = { id: 'b', at: '2027-01-05T09:00:00.000Z' };
      const compared = (control: unknown[], candidate: unknown[], rules = DEFAULT_RULES) => {
        const diffs = compareSelection('n', { items: control }, { items: candidate }, info, rules);
        expect({ diffs }).toEqual(composition('n', { items: control }, { items: candidate }, info, rules));
        return diffs;
      };

      it('is a diff at the id with the projected items on each side when the candidate repeats it', () => {
        expect(compared([a, b], [a, b, { ...b }])).toEqual([
          { path: 'n.items[id=b]', control: [pb], candidate: [pb, pb] },
        ]);
      });

      it('is a diff at the id with the projected items on each side when the control repeats it', () => {
        expect(compared([b, a, b], [a, b])).toEqual([
          { path: 'n.items[id=b]', control: [pb, pb], candidate: [pb] },
        ]);
        expect(compared([a, b, b], [a])).toEqual([
          { path: 'n.items[id=b]', control: [pb, pb], candidate: [] },
        ]);
      });

      it('holds every item of the id, whatever their values, not only the last', () => {
        expect(compared([a, b], [a, later, b])).toEqual([
          { path: 'n.items[id=b]', control: [pb], candidate: [projectedLater, pb] },
        ]);
        expect(compared([later, b], [b, b])).toEqual([
          { path: 'n.items[id=b]', control: [projectedLater, pb], candidate: [pb, pb] },
        ]);
      });

      it('is no diff when both sides repeat it alike: as many items, equal pair by pair as projected', () => {
        const sameInstant = { id: 'b', at: '2026-01-05T09:00:00Z', extra: 3 };
        expect(compared([b, a, b], [a, sameInstant, { ...b }])).toEqual([]);
        expect(compared([b, b], [b, later], { ...DEFAULT_RULES, ignore: ['n.items[*].at'] })).toEqual([]);
      });

      it('is the diff of both lists when both repeat it as often but one pair differs', () => {
        expect(compared([b, a, b], [a, b, later])).toEqual([
          { path: 'n.items[id=b]', control: [pb, pb], candidate: [pb, projectedLater] },
        ]);
        expect(compared([later, b], [b, later])).toEqual([
          { path: 'n.items[id=b]', control: [projectedLater, pb], candidate: [pb, projectedLater] },
        ]);
      });

      it('leaves the ids held once on each side compared as before, and lists without repeats too', () => {
        const movedA = { id: 'a', at: late };
        expect(compared([a, b, { id: 'd', at: early }], [b, movedA, b])).toEqual([
          { path: 'n.items[id=a].at', control: pa.at, candidate: '2027-01-05T09:00:00.000Z' },
          { path: 'n.items[id=b]', control: [pb], candidate: [pb, pb] },
          { path: 'n.items[id=d]', control: { id: 'd', at: pa.at }, candidate: '(missing)' },
        ]);
        expect(compared([a, b, { id: 'd', at: early }], [b, movedA])).toEqual([
          { path: 'n.items[id=a].at', control: pa.at, candidate: '2027-01-05T09:00:00.000Z' },
          { path: 'n.items[id=d]', control: { id: 'd', at: pa.at }, candidate: '(missing)' },
        ]);
        expect(compared([a, b], [b, a])).toEqual([]);
      });

      it('is ignored by a pattern of the item, not of its fields, and fails on an unserializable repeated item', () => {
        const broken = { id: 'b', at: 7 };
        const ignored = { ...DEFAULT_RULES, ignore: ['n.items[*]'] };
        expect(compared([a, b], [a, b, b], ignored)).toEqual([]);
        expect(compared([a, b], [a, b, b], { ...DEFAULT_RULES, ignore: ['n.items[*].at'] })).toEqual([
          { path: 'n.items[id=b]', control: [pb], candidate: [pb, pb] },
        ]);
        for (const rules of [DEFAULT_RULES, ignored])
          expect(() =>
            compareSelection('n', { items: [a, b] }, { items: [a, broken, b] }, info, rules),
          ).toThrow(ProjectionFailure);
      });
    });

    it('matches ignore patterns against the written path when an id holds a bracket', () => {
      const info = nodeInfo('{ node { items { id at } } }');
      const control = { items: [{ id: 'a]b', at: '2026-01-05T09:00:00Z' }] };
      const candidate = { items: [{ id: 'a]b', at: '2027-01-05T09:00:00Z' }] };
      // Written out, `n.items[id=a]b].at` reads as five tokens: n, items, [id=a], b, at; no
      // four-token pattern matches it, though its segments would match `n.items[*].at`.
      const rules = { ...DEFAULT_RULES, ignore: ['n.items[*].at'] };
      const expected = composition('n', control, candidate, info, rules);
      expect('diffs' in expected && expected.diffs).toHaveLength(1);
      expect(fused('n', control, candidate, info, rules)).toEqual(expected);
    });
  });
});
