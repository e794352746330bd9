import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { formatWriteIntentHeader, parseWriteIntentHeader } from '../../src/core/writeIntentHeader.ts';

const HOSTED = {
  SUPABASE_DB_URL: 'postgres://postgres@db.example.com:5432/postgres',
  SUPABASE_JWT_SECRET: 'x'.repeat(40),
  SUPABASE_JWT_ISSUER: 'https://example.test/auth/v1',
};

describe('loadConfig: the target services', () => {
  it('keeps the target side in process when no service URL is set', () => {
    expect(loadConfig(HOSTED).targetServices).toBeNull();
    expect(loadConfig({}, '/srv/app').targetServices).toBeNull();
  });

  it('reads both URLs, with a 5 s timeout each unless set', () => {
    const config = loadConfig({
      ...HOSTED,
      LEDGER_SERVICE_URL: 'http://ledger.internal:4010/graphql',
      OLTP_SERVICE_URL: 'https://oltp.internal/graphql',
      OLTP_SERVICE_TIMEOUT_MS: '750',
    });
    expect(config.targetServices).toEqual({
      ledger: { url: 'http://ledger.internal:4010/graphql', timeoutMs: 5000 },
      oltp: { url: 'https://oltp.internal/graphql', timeoutMs: 750 },
    });
  });

  it('refuses one URL without the other, naming both', () => {
    expect(() =>
      loadConfig({ ...HOSTED, LEDGER_SERVICE_URL: 'http://ledger.internal:4010/graphql' }),
    ).toThrow(/LEDGER_SERVICE_URL and OLTP_SERVICE_URL go together/);
  });

  it('refuses URLs that are not http(s), and timeouts out of range', () => {
    const both = { LEDGER_SERVICE_URL: 'http://a/graphql', OLTP_SERVICE_URL: 'http://b/graphql' };
    expect(() => loadConfig({ ...HOSTED, ...both, LEDGER_SERVICE_URL: 'postgres://a/b' })).toThrow(
      /LEDGER_SERVICE_URL: expected http\(s\):\/\/host:port\/graphql/,
    );
    expect(() => loadConfig({ ...HOSTED, ...both, OLTP_SERVICE_TIMEOUT_MS: '0' })).toThrow(
      /OLTP_SERVICE_TIMEOUT_MS/,
    );
  });

  it('refuses the services with the embedded default, which keeps its targets in process', () => {
    const attempt = () =>
      loadConfig(
        { LEDGER_SERVICE_URL: 'http://a/graphql', OLTP_SERVICE_URL: 'http://b/graphql' },
        '/srv/app',
      );
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/need a hosted legacy \(SUPABASE_DB_URL or SUPABASE_URL\)/);
  });
});

describe('loadConfig: FIGWAY_SERVICE_KEY', () => {
  it('reads the key the gateways send and the services require, or null when unset', () => {
    expect(loadConfig(HOSTED).serviceKey).toBeNull();
    expect(loadConfig({ ...HOSTED, FIGWAY_SERVICE_KEY: 'k'.repeat(32) }).serviceKey).toBe('k'.repeat(32));
  });

  it('refuses a key shorter than 32 characters, naming the setting and the fix', () => {
    const attempt = () => loadConfig({ ...HOSTED, FIGWAY_SERVICE_KEY: 'k'.repeat(31) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/FIGWAY_SERVICE_KEY: must be at least 32 characters: .*openssl rand -hex 32/);
  });
});

describe('the figway-write-intent header', () => {
  it('carries a unit and a stage, and the side mirrored to follows from the stage', () => {
    const value = formatWriteIntentHeader({ unit: 'Mutation.addParty', stage: 'live', mirrorTo: 'legacy' });
    expect(value).toBe('Mutation.addParty; live');
    expect(parseWriteIntentHeader(value)).toEqual({
      unit: 'Mutation.addParty',
      stage: 'live',
      mirrorTo: 'legacy',
    });
    expect(parseWriteIntentHeader('Mutation.addParty;complete')).toEqual({
      unit: 'Mutation.addParty',
      stage: 'complete',
      mirrorTo: null,
    });
  });

  it('says what is wrong with a value it cannot read', () => {
    expect(parseWriteIntentHeader('live')).toEqual({
      problem: expect.stringMatching(/must be "<unit>; <stage>"/),
    });
    expect(parseWriteIntentHeader('Query.me; live')).toEqual({
      problem: expect.stringMatching(/not a mutation unit/),
    });
    expect(parseWriteIntentHeader('Mutation.addParty; sideways')).toEqual({
      problem: expect.stringMatching(/"sideways", not a stage/),
    });
    expect(parseWriteIntentHeader('Mutation.addParty; live; legacy')).toHaveProperty('problem');
  });
});
