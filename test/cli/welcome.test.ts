import { describe, expect, it } from 'vitest';
import { welcome } from '../../src/cli/welcome.ts';

const URL = 'http://127.0.0.1:4000/graphql';

describe('the start banner', () => {
  it('with the flags file, shows how to move a unit with figway flags set', () => {
    const text = welcome(URL, 'v3', '/tmp/x', { kind: 'file', path: '/tmp/x/flags.json', pollMs: 500 });
    expect(text).toContain('npx figway flags set Commitment.status live --cohort beta');
    expect(text).not.toContain('Unleash');
  });

  it('with Unleash, points to its web UI and figway flags list, never to flags set (which refuses there)', () => {
    const text = welcome(URL, 'v3', '/tmp/x', {
      kind: 'unleash',
      url: 'http://unleash.internal:4242/api/',
      token: 'x',
      refreshMs: 1000,
    });
    expect(text).toContain('in its web UI (http://unleash.internal:4242/)');
    expect(text).toContain('npx figway flags list');
    expect(text).not.toContain('flags set');
  });
});
