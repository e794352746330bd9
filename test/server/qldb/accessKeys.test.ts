import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.ts';
import { parseAccessKeys } from '../../../src/server/qldb/accessKeys.ts';

function failure(text: string): Error {
  try {
    parseAccessKeys(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error(`parseAccessKeys accepted ${JSON.stringify(text)}`);
}

describe('parseAccessKeys', () => {
  it('reads id:secret pairs, ignoring whitespace around items and keeping colons in secrets', () => {
    const keys = parseAccessKeys(' app:s3cret , reporting : a:b:c\t');
    expect([...keys]).toEqual([
      ['app', 's3cret'],
      ['reporting', 'a:b:c'],
    ]);
  });

  it.each([
    ['', /item 1 is empty/],
    ['app:one,,other:two', /item 2 is empty/],
    ['app:one, ', /item 2 is empty/],
    ['app:one,justasecret', /item 2 has no ":"/],
    [':secret-one', /item 1 has an empty access key id/],
    ['app:one,other:  ', /item 2 \(access key id "other"\) has an empty secret/],
    ['a/b:secret-one', /item 1 has an access key id with "\/"/],
    ['app:secret-one,app:secret-two', /access key id "app" is listed twice \(again as item 2\)/],
  ])('refuses %j, naming the setting and the item', (text, reason) => {
    const { message } = failure(text);
    expect(message).toMatch(/^FIGWAY_LEDGER_ACCESS_KEYS: /);
    expect(message).toMatch(reason);
    expect(message).not.toMatch(/secret-|justasecret/);
  });
});
