// A unit's ignore patterns name fields as the schema does, as redact's do: the client's
// aliases neither take a difference out from under a pattern nor put one under it.
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectionsOfQuery } from '../../src/shadow/fieldNames.ts';
import { ignoreInResponseKeys } from '../../src/shadow/ignoreByFieldNames.ts';
import type { ShadowSite } from '../../src/shadow/shadowRunner.ts';
import { FACTS, side, useShadowRunner } from './shadowRunnerFixture.ts';
import { sitesOf } from './sitesOf.ts';

const schema = buildSchema(`
  type Query { thing: Thing }
  type Thing { id: ID! parties: [Party] }
  type Party { id: ID! profile: Profile }
  type Profile { id: ID! updatedAt: String username: String }
`);

const thing = (updatedAt: string, username: string) => ({
  id: '1',
  parties: [{ id: 'p', profile: { id: 'u', updatedAt, username } }],
});
const CONTROL = thing('2026-01-01T00:00:00.000Z', 'alice');
const LATER = thing('2026-02-01T00:00:00.000Z', 'alice');
const RENAMED = thing('2026-01-01T00:00:00.000Z', 'alicia');

describe('ignore patterns', () => {
  const { runner, stored } = useShadowRunner();

  // Query.thing read once in `query` under `ignore`, legacy answering CONTROL and the target `candidate`.
  async function compared(query: string, ignore: string[], candidate: unknown) {
    const shadow = runner({ ignore });
    const request = shadow.forRequest(FACTS);
    const [site] = await sitesOf(schema, query, 'Query.thing', { thing: CONTROL });
    await request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => CONTROL),
      side('target', async () => candidate),
      site as ShadowSite,
    );
    request.responseSent();
    const row = (await stored(shadow)).at(-1);
    return { outcome: row?.outcome, diffs: row?.diffs };
  }

  describe.each(['thing.parties.*.profile.updatedAt', 'thing.parties[*].profile.updatedAt'])(
    '%s',
    (pattern) => {
      it('still ignores the field when the client aliases it and the fields above it, also through fragments', async () => {
        for (const query of [
          '{ thing { parties { id profile { id updatedAt } } } }',
          '{ x: thing { ps: parties { id p: profile { id u: updatedAt } } } }',
          '{ thing { ...T } } fragment T on Thing { ps: parties { id ... on Party { p: profile { id u: updatedAt } } } }',
        ])
          expect(await compared(query, [pattern], LATER)).toEqual({ outcome: 'matched', diffs: [] });
      });

      it('compares another field the client aliased with the ignored field name, and keeps its path as the client wrote it', async () => {
        const query = '{ thing { parties { id profile { id updatedAt: username u: updatedAt } } } }';
        const later = thing('2026-02-01T00:00:00.000Z', 'alicia');
        expect(await compared(query, [pattern], later)).toEqual({
          outcome: 'mismatched',
          diffs: [{ path: 'thing.parties[id=p].profile.updatedAt', control: 'alice', candidate: 'alicia' }],
        });
        expect((await compared(query, [pattern], RENAMED)).outcome).toBe('mismatched');
      });
    },
  );
});

describe('ignoreInResponseKeys', () => {
  const spelled = (patterns: string[], query: string) =>
    ignoreInResponseKeys(patterns, selectionsOfQuery(query, null));

  it("spells a pattern's field names with the client's response keys", () => {
    expect(
      spelled(
        ['thing.parties[*].profile.updatedAt'],
        '{ x: thing { ps: parties { p: profile { u: updatedAt } } } }',
      ),
    ).toEqual(['x.ps[*].p.u']);
  });

  it('spells nothing for a field the client did not select, whatever its aliases are called', () => {
    expect(
      spelled(
        ['thing.parties[*].profile.updatedAt'],
        '{ thing { parties { profile { updatedAt: username } } } }',
      ),
    ).toEqual([]);
  });

  it('spells nothing for a key that stands for different fields under different type conditions', () => {
    expect(spelled(['thing.id'], '{ thing { ... on Thing { k: id } ... on Other { k: name } } }')).toEqual(
      [],
    );
  });

  it("keeps keys below a scalar as written: they are the scalar's value's own", () => {
    expect(spelled(['thing.meta.a.*'], '{ thing { m: meta } }')).toEqual(['thing.m.a.*']);
  });

  it('lets `*` stand for a list item or a key, and keeps it where no field name follows', () => {
    expect(spelled(['thing.parties.*.profile'], '{ thing { ps: parties { p: profile { id } } } }')).toEqual([
      'thing.ps[*].p',
    ]);
    expect(spelled(['thing.*.id'], '{ thing { o: owner { id } ps: parties { id } } }')).toEqual([
      'thing.o.id',
      'thing.ps.id',
    ]);
    expect(spelled(['thing.parties.*'], '{ thing { ps: parties { id } } }')).toEqual(['thing.ps.*']);
  });
});
