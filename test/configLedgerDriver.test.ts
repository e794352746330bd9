import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const HOSTED = {
  SUPABASE_DB_URL: 'postgres://postgres@db.example.com:5432/postgres',
  SUPABASE_JWT_SECRET: 'x'.repeat(40),
  OLTP_DATABASE_URL: 'postgres://postgres@oltp.example.com:5432/oltp',
  LEDGER_QLDB_ENDPOINT: 'http://ledger.internal:4100',
  FIGWAY_LEDGER_ACCESS_KEY: 'gateway:s3cret:with:colons',
};

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted it');
}

describe('loadConfig with LEDGER_QLDB_ENDPOINT', () => {
  it('reaches the ledger through the QLDB driver, with the default ledger name and a fixed region', () => {
    expect(loadConfig(HOSTED).targets).toEqual({
      kind: 'qldb',
      ledger: {
        endpoint: 'http://ledger.internal:4100',
        ledgerName: 'connect-commitments-ledger',
        region: 'us-east-1',
        // A secret may hold colons: only the first one ends the id.
        credentials: { accessKeyId: 'gateway', secretAccessKey: 's3cret:with:colons' },
      },
      oltpUrl: HOSTED.OLTP_DATABASE_URL,
    });
    expect(loadConfig({ ...HOSTED, FIGWAY_LEDGER_NAME: 'ledger-b' }).targets).toMatchObject({
      ledger: { ledgerName: 'ledger-b' },
    });
  });

  it('refuses a second way to the ledger, naming both settings', () => {
    expect(refusal({ ...HOSTED, LEDGER_DATABASE_URL: 'postgres://l/ledger' })).toMatch(
      /LEDGER_DATABASE_URL and LEDGER_QLDB_ENDPOINT are both set: set one/,
    );
    expect(
      refusal({ ...HOSTED, LEDGER_SERVICE_URL: 'http://s/graphql', OLTP_SERVICE_URL: 'http://o/graphql' }),
    ).toMatch(/LEDGER_SERVICE_URL and LEDGER_QLDB_ENDPOINT are both set/);
  });

  it('refuses a missing or malformed access key without echoing it', () => {
    expect(refusal({ ...HOSTED, FIGWAY_LEDGER_ACCESS_KEY: '' })).toMatch(
      /LEDGER_QLDB_ENDPOINT is set but FIGWAY_LEDGER_ACCESS_KEY is not/,
    );
    for (const key of ['no-colon-secret', ':secret', 'id:', 'an id:secret', 'a/b:secret']) {
      const message = refusal({ ...HOSTED, FIGWAY_LEDGER_ACCESS_KEY: key });
      expect(message).toMatch(/FIGWAY_LEDGER_ACCESS_KEY is not one id:secret pair/);
    }
    expect(refusal({ ...HOSTED, FIGWAY_LEDGER_ACCESS_KEY: 'no-colon-hunter2' })).not.toContain('hunter2');
  });

  it('refuses the endpoint without OLTP_DATABASE_URL, for the embedded default, and when it is not http(s)', () => {
    const { OLTP_DATABASE_URL: _oltp, ...noOltp } = HOSTED;
    expect(refusal(noOltp)).toMatch(/OLTP_DATABASE_URL is not/);
    expect(
      refusal({ LEDGER_QLDB_ENDPOINT: HOSTED.LEDGER_QLDB_ENDPOINT, FIGWAY_LEDGER_ACCESS_KEY: 'a:b' }),
    ).toMatch(/needs a hosted legacy/);
    expect(refusal({ ...HOSTED, LEDGER_QLDB_ENDPOINT: 'postgres://ledger' })).toMatch(
      /LEDGER_QLDB_ENDPOINT: expected http\(s\):\/\/host:port/,
    );
  });
});
