import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { PathDiff } from '../../src/core/observation.ts';
import { buildObservation, REDACTION_FAILED } from '../../src/shadow/buildObservation.ts';
import { keyedHash } from '../../src/shadow/redact.ts';
import type { ShadowSite } from '../../src/shadow/shadowRunner.ts';
import { FACTS, side, useShadowRunner } from './shadowRunnerFixture.ts';
import { sitesOf as sitesOfIn } from './sitesOf.ts';

const schema = buildSchema(`
  type Query { thing: Thing people: [Profile] }
  type Thing { id: ID! s: String n: Int parts: [Part] }
  type Part { id: ID! email: String }
  type Profile { id: ID! username: String }
`);

const sitesOf = (query: string, unit: string, data: Record<string, unknown>) =>
  sitesOfIn(schema, query, unit, data);

const CONTROL = { id: '1', s: 'secret-a', n: 1, parts: [{ id: 'p', email: 'a@example.com' }] };
const CANDIDATE = { id: '1', s: 'secret-b', n: 2, parts: [{ id: 'p', email: 'b@example.com' }] };

// A value whose reading throws, as a broken getter of a backend's object would.
function exploding(): unknown {
  return {
    get terms(): never {
      throw new Error('getter exploded');
    },
  };
}

type Stored = { path: string; id?: string; control: unknown; candidate: unknown };

describe('redacted diffs', () => {
  const { runner, stored } = useShadowRunner();

  // Query.thing read once in `query`, legacy answering `control` (or throwing), the target `candidate`.
  async function compared(query: string, redact: string[], control: unknown, candidate: unknown) {
    const shadow = runner({ redact });
    const request = shadow.forRequest(FACTS);
    const [site] = await sitesOf(query, 'Query.thing', { thing: CONTROL });
    await request
      .run(
        'Query.thing',
        'shadow',
        side('legacy', async () => {
          if (control instanceof Error) throw control;
          return control;
        }),
        side('target', async () => candidate),
        site as ShadowSite,
      )
      .catch((error: unknown) => expect(error).toBe(control));
    request.responseSent();
    const [row] = await stored(shadow);
    return (row?.diffs ?? []) as Stored[];
  }

  it('hashes a redacted field the client renamed with aliases, also through a fragment, and keeps the alias in the path', async () => {
    const query =
      'query Q { x: thing { t: s c: n ...Parts } } fragment Parts on Thing { e: parts { id m: email } }';
    const diffs = await compared(query, ['thing.s', 'thing.parts[*].email'], CONTROL, CANDIDATE);
    expect(diffs).toEqual([
      { path: 'x.t', control: keyedHash('secret-a', 's'), candidate: keyedHash('secret-b', 's') },
      { path: 'x.c', control: 1, candidate: 2 },
      {
        path: 'x.e[id=p].m',
        control: keyedHash('a@example.com', 's'),
        candidate: keyedHash('b@example.com', 's'),
      },
    ]);
  });

  it('hashes the whole value of a diff that holds a redacted path: an object on one side only', async () => {
    const diffs = await compared('{ x: thing { t: s } }', ['thing.s'], null, CANDIDATE);
    expect(diffs).toEqual([
      { path: 'x', control: keyedHash(null, 's'), candidate: keyedHash({ t: 'secret-b' }, 's') },
    ]);
  });

  it('hashes the whole value of a diff that holds a redacted path: the candidate when the control failed', async () => {
    const diffs = await compared('{ thing { s } }', ['thing.s'], new Error('legacy exploded'), CANDIDATE);
    expect(diffs).toEqual([
      {
        path: 'thing',
        control: keyedHash('error: legacy exploded', 's'),
        candidate: keyedHash({ s: 'secret-b' }, 's'),
      },
    ]);
  });

  it('hashes the whole value of a diff that holds a redacted path: a list item on one side only', async () => {
    const diffs = await compared('{ thing { parts { id email } } }', ['thing.parts[*].email'], CONTROL, {
      ...CONTROL,
      parts: [],
    });
    expect(diffs).toEqual([
      {
        path: 'thing.parts[id=p]',
        control: keyedHash({ id: 'p', email: 'a@example.com' }, 's'),
        candidate: keyedHash('(missing)', 's'),
      },
    ]);
  });

  it("stores a Profile unit's item ids, the users' ids, as keyed hashes that match userHash", async () => {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const people = [
      { id: 'u-1', username: 'alice' },
      { id: 'u-2', username: 'bob' },
    ];
    for (const site of await sitesOf('{ people { id username } }', 'Profile.username', { people })) {
      const person = people.find((each) => each.id === site.id);
      await request.run(
        'Profile.username',
        'shadow',
        side('legacy', async () => person?.username),
        side('target', async () => `${person?.username}!`),
        site,
      );
    }
    request.responseSent();
    const [row] = await stored(shadow);
    const diffs = row?.diffs as Stored[];
    expect(diffs.map((diff) => diff.path)).toEqual(['people[*].username', 'people[*].username']);
    expect(diffs.map((diff) => diff.id)).toEqual([keyedHash('u-1', 's'), keyedHash('u-2', 's')]);
    expect(diffs[0]?.id).toBe(row?.user_hash);
    expect(JSON.stringify(row)).not.toMatch(/u-[12]/);
  });

  it("stores no user id when redacting a Profile unit's diffs fails", () => {
    const raised: string[] = [];
    const observation = buildObservation({
      facts: FACTS,
      base: { unit: 'Profile.username', stage: 'shadow', control: 'legacy', operationName: null },
      rest: {
        outcome: 'mismatched',
        diffs: [{ path: 'me.username', id: 'u-1', control: exploding(), candidate: 'alice' }],
        sampleRate: 1,
        items: 1,
      },
      redact: [],
      salt: 's',
      at: '2026-01-01T00:00:00.000Z',
      raised: (step) => raised.push(step),
    });
    expect(raised).toEqual(['redact']);
    expect(observation.diffs).toEqual([
      { path: 'me.username', id: REDACTION_FAILED, control: REDACTION_FAILED, candidate: REDACTION_FAILED },
    ]);
  });

  it("reads a diff's aliases in the request's document when no comparison noted its field (a subscription's)", () => {
    const diff: PathDiff = { path: 'commitmentChanged.t', control: 'secret-a', candidate: 'secret-b' };
    const observation = buildObservation({
      facts: {
        ...FACTS,
        operationName: 'S',
        query: 'subscription S { commitmentChanged(id: "1") { id t: terms } }',
      },
      base: {
        unit: 'Subscription.commitmentChanged',
        stage: 'shadow',
        control: 'legacy',
        operationName: 'S',
      },
      rest: { outcome: 'mismatched', diffs: [diff], sampleRate: 1, items: 1 },
      redact: ['commitmentChanged.terms'],
      salt: 's',
      at: '2026-01-01T00:00:00.000Z',
      raised: (step, error) => expect.unreachable(`${step}: ${String(error)}`),
    });
    expect(observation.diffs).toEqual([
      {
        path: 'commitmentChanged.t',
        control: keyedHash('secret-a', 's'),
        candidate: keyedHash('secret-b', 's'),
      },
    ]);
  });
});
