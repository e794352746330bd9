import { buildSchema, type FieldNode, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../src/schema/dateTimeScalar.ts';
import { compareValues, isIgnored } from '../../src/shadow/compareValues.ts';
import { MISSING, projectSelection } from '../../src/shadow/projectSelection.ts';

describe('compareValues', () => {
  it('matches list items by id whatever their order, and by position when asked', () => {
    const control = {
      parties: [
        { id: 'a', role: 'CREATOR' },
        { id: 'b', role: 'WITNESS' },
      ],
    };
    const swapped = {
      parties: [
        { id: 'b', role: 'WITNESS' },
        { id: 'a', role: 'CREATOR' },
      ],
    };
    expect(compareValues('c', control, swapped)).toEqual([]);
    expect(
      compareValues('c', control, swapped, { ignore: [], tolerance: 0, orderedLists: true }).map(
        (diff) => diff.path,
      ),
    ).toEqual(['c.parties[0].id', 'c.parties[0].role', 'c.parties[1].id', 'c.parties[1].role']);
    expect(compareValues('c', control, { parties: [{ id: 'a', role: 'PARTICIPANT' }] })).toEqual([
      { path: 'c.parties[id=a].role', control: 'CREATOR', candidate: 'PARTICIPANT' },
      { path: 'c.parties[id=b]', control: { id: 'b', role: 'WITNESS' }, candidate: MISSING },
    ]);
  });

  describe('an id held by more than one item', () => {
    const a = { id: 'a', role: 'CREATOR' };
    const b = { id: 'b', role: 'WITNESS' };

    it('is a diff at the id with the items on each side when the candidate repeats it', () => {
      expect(compareValues('c', { parties: [a, b] }, { parties: [a, b, { ...b }] })).toEqual([
        { path: 'c.parties[id=b]', control: [b], candidate: [b, b] },
      ]);
    });

    it('is a diff at the id with the items on each side when the control repeats it', () => {
      expect(compareValues('c', { parties: [b, a, b] }, { parties: [a, b] })).toEqual([
        { path: 'c.parties[id=b]', control: [b, b], candidate: [b] },
      ]);
      expect(compareValues('c', { parties: [a, b, b] }, { parties: [a] })).toEqual([
        { path: 'c.parties[id=b]', control: [b, b], candidate: [] },
      ]);
    });

    it('holds every item of the id, whatever their values, not only the last', () => {
      const creator = { id: 'b', role: 'CREATOR' };
      expect(compareValues('c', { parties: [a, b] }, { parties: [a, creator, b] })).toEqual([
        { path: 'c.parties[id=b]', control: [b], candidate: [creator, b] },
      ]);
      expect(compareValues('c', { parties: [creator, b] }, { parties: [b, b] })).toEqual([
        { path: 'c.parties[id=b]', control: [creator, b], candidate: [b, b] },
      ]);
    });

    it('is no diff when both sides repeat it alike: as many items, equal pair by pair in order', () => {
      expect(compareValues('c', { parties: [b, a, b] }, { parties: [a, { ...b }, { ...b }] })).toEqual([]);
      // Each pair is compared as any item is: tolerance, instants as instants, ignore patterns.
      const rules = { ignore: ['c.parties[*].role'], tolerance: 0.01, orderedLists: false };
      const held = (at: string, share: number, role = 'WITNESS') => ({ id: 'b', at, share, role });
      const control = { parties: [held('2026-01-05T09:00:00Z', 1), held('2026-01-05T09:00:00Z', 2)] };
      const candidate = {
        parties: [held('2026-01-05T10:00:00+01:00', 1.004), held('2026-01-05T09:00:00.000Z', 2, 'CREATOR')],
      };
      expect(compareValues('c', control, candidate, rules)).toEqual([]);
      expect(compareValues('c', control, candidate)).toEqual([
        { path: 'c.parties[id=b]', control: control.parties, candidate: candidate.parties },
      ]);
    });

    it('is the diff of both lists when both sides repeat it as often but one pair differs', () => {
      const creator = { id: 'b', role: 'CREATOR' };
      expect(compareValues('c', { parties: [b, a, b] }, { parties: [a, b, creator] })).toEqual([
        { path: 'c.parties[id=b]', control: [b, b], candidate: [b, creator] },
      ]);
      // The k-th against the k-th: the same items in another order differ.
      expect(compareValues('c', { parties: [creator, b] }, { parties: [b, creator] })).toEqual([
        { path: 'c.parties[id=b]', control: [creator, b], candidate: [b, creator] },
      ]);
      // The rest of the group is left uncompared, not what follows it.
      const control = { parties: [b, b, a], n: 1 };
      const candidate = { parties: [creator, b, { ...a, role: 'X' }], n: 2 };
      expect(compareValues('c', control, candidate)).toEqual([
        { path: 'c.parties[id=b]', control: [b, b], candidate: [creator, b] },
        { path: 'c.parties[id=a].role', control: 'CREATOR', candidate: 'X' },
        { path: 'c.n', control: 1, candidate: 2 },
      ]);
      // A repeated id differing inside a pair of a repeated id is the outer id's diff, once.
      const inner = (role: string) => ({ id: 'x', parties: [a, { ...b, role }, b] });
      expect(compareValues('c', { l: [inner('W'), inner('W')] }, { l: [inner('W'), inner('V')] })).toEqual([
        { path: 'c.l[id=x]', control: [inner('W'), inner('W')], candidate: [inner('W'), inner('V')] },
      ]);
      const alike = [inner('W'), inner('W'), a];
      expect(compareValues('c', { l: alike }, { l: [a, inner('W'), inner('W')] })).toEqual([]);
    });

    it('leaves the ids held once on each side compared as before, in the same order', () => {
      const control = { parties: [a, b, { id: 'd', role: 'WITNESS' }] };
      const candidate = { parties: [{ id: 'e', role: 'X' }, b, { id: 'a', role: 'PARTICIPANT' }, b] };
      expect(compareValues('c', control, candidate)).toEqual([
        { path: 'c.parties[id=a].role', control: 'CREATOR', candidate: 'PARTICIPANT' },
        { path: 'c.parties[id=b]', control: [b], candidate: [b, b] },
        { path: 'c.parties[id=d]', control: { id: 'd', role: 'WITNESS' }, candidate: MISSING },
        { path: 'c.parties[id=e]', control: MISSING, candidate: { id: 'e', role: 'X' } },
      ]);
      const unrepeated = { parties: [{ id: 'e', role: 'X' }, b, { id: 'a', role: 'PARTICIPANT' }] };
      expect(compareValues('c', control, unrepeated)).toEqual([
        { path: 'c.parties[id=a].role', control: 'CREATOR', candidate: 'PARTICIPANT' },
        { path: 'c.parties[id=d]', control: { id: 'd', role: 'WITNESS' }, candidate: MISSING },
        { path: 'c.parties[id=e]', control: MISSING, candidate: { id: 'e', role: 'X' } },
      ]);
    });

    it('is ignored by a pattern of the item, not by one of its fields, and ordered lists pair by position', () => {
      const candidate = { parties: [a, b, b] };
      const rules = (ignore: string[], orderedLists = false) => ({ ignore, tolerance: 0, orderedLists });
      expect(compareValues('c', { parties: [a, b] }, candidate, rules(['c.parties[*]']))).toEqual([]);
      expect(compareValues('c', { parties: [a, b] }, candidate, rules(['c.parties[*].role']))).toEqual([
        { path: 'c.parties[id=b]', control: [b], candidate: [b, b] },
      ]);
      expect(compareValues('c', { parties: [a, b] }, candidate, rules([], true))).toEqual([
        { path: 'c.parties[2]', control: MISSING, candidate: b },
      ]);
    });
  });

  it('compares numbers within the tolerance and instants as instants', () => {
    expect(
      compareValues('x', { n: 1.0 }, { n: 1.004 }, { ignore: [], tolerance: 0.01, orderedLists: false }),
    ).toEqual([]);
    expect(
      compareValues('x', { n: 1.0 }, { n: 1.1 }, { ignore: [], tolerance: 0.01, orderedLists: false }),
    ).toHaveLength(1);
    expect(
      compareValues('x', { at: '2026-01-05T09:00:00.000Z' }, { at: '2026-01-05T10:00:00+01:00' }),
    ).toEqual([]);
    expect(
      compareValues('x', { at: '2026-01-05T09:00:00.000Z' }, { at: '2026-01-05T09:00:00.001Z' }),
    ).toHaveLength(1);
  });

  it('tells null from missing', () => {
    expect(compareValues('x', { avatar: null }, {})).toEqual([
      { path: 'x.avatar', control: null, candidate: MISSING },
    ]);
  });

  it('matches ignore patterns segment by segment', () => {
    expect(isIgnored('commitments.edges[3].cursor', ['commitments.edges[*].cursor'])).toBe(true);
    expect(isIgnored('commitments.edges[3].node.title', ['commitments.edges[*].cursor'])).toBe(false);
    expect(isIgnored('me.email', ['*.email'])).toBe(true);
  });
});

describe('projectSelection', () => {
  const schema = buildSchema(`
    scalar DateTime
    type Query { commitment: Commitment }
    type Commitment { id: ID! title: String! createdAt: DateTime! status: String! parties: [Party!]! }
    type Party { id: ID! role: String! }
  `);
  Object.assign(schema.getType('DateTime') ?? {}, { serialize: DateTime.__serialize });
  // status has a resolver of its own in the gateway: it is another unit.
  const commitmentType = schema.getType('Commitment') as unknown as {
    getFields(): Record<string, { resolve?: unknown }>;
  };
  const status = commitmentType.getFields().status;
  if (status !== undefined) status.resolve = () => 'x';

  function infoFor(query: string, variables: Record<string, unknown> = {}) {
    const document = parse(query);
    const operation = document.definitions.find(
      (definition) => definition.kind === 'OperationDefinition',
    ) as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      document.definitions.flatMap((definition) =>
        definition.kind === 'FragmentDefinition' ? [[definition.name.value, definition]] : [],
      ),
    );
    return {
      returnType: schema.getQueryType()?.getFields().commitment?.type as never,
      fieldNodes: [operation.selectionSet.selections[0] as FieldNode],
      fragments,
      variableValues: variables,
    };
  }

  const record = {
    id: 'c1',
    title: 'Loan',
    createdAt: new Date('2026-01-05T10:00:00+01:00'),
    status: 'ACTIVE',
    parties: [{ id: 'p', role: 'CREATOR' }],
    extra: 'never selected',
  };

  it('keeps what was selected, under aliases, through fragments and @include, serializing scalars', () => {
    const info = infoFor(
      'query ($full: Boolean!) { commitment { name: title ...More parties @include(if: $full) { role } } } fragment More on Commitment { createdAt __typename }',
      { full: false },
    );
    expect(projectSelection(record, info)).toEqual({ name: 'Loan', createdAt: '2026-01-05T09:00:00.000Z' });
  });

  it('leaves out fields with a resolver of their own', () => {
    expect(projectSelection(record, infoFor('{ commitment { id status parties { id role } } }'))).toEqual({
      id: 'c1',
      parties: [{ id: 'p', role: 'CREATOR' }],
    });
  });
});

describe('values nested 200,000 levels', () => {
  // Built without recursion: the point is that nothing here recurses per level.
  function nested(levels: number, bottom: unknown): unknown {
    let value = bottom;
    for (let level = 0; level < levels; level++) value = { inner: [value] };
    return value;
  }

  it('compares them without overflowing the stack and names the differing path', () => {
    const diffs = compareValues('x', nested(200_000, 1), nested(200_000, 2));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]?.path.startsWith('x.inner[0].inner[0]')).toBe(true);
    expect(diffs[0]?.path.endsWith('.inner[0]')).toBe(true);
    expect(diffs[0]).toMatchObject({ control: 1, candidate: 2 });
    expect(compareValues('x', nested(200_000, 1), nested(200_000, 1))).toEqual([]);
  });
});

describe('projectSelection of a selection nested deeper than the bound', () => {
  const schema = buildSchema('type Query { node: Node } type Node { id: ID! next: Node }');

  it('summarizes the levels past the bound instead of following them', () => {
    const levels = 300;
    const query = `{ node { ${'next { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
    const operation = parse(query).definitions[0] as OperationDefinitionNode;
    let value: unknown = { id: 'bottom' };
    for (let level = 0; level < levels; level++) value = { id: String(level), next: value };
    const projected = projectSelection(value, {
      returnType: schema.getQueryType()?.getFields().node?.type as never,
      fieldNodes: [operation.selectionSet.selections[0] as FieldNode],
      fragments: {},
      variableValues: {},
    });
    let depth = 0;
    let at = projected;
    while (typeof at === 'object' && at !== null && 'next' in at) {
      at = at.next;
      depth += 1;
    }
    expect(at).toMatch(/^\(nested deeper than \d+ levels\)$/);
    expect(depth).toBeLessThan(levels);
  });
});
