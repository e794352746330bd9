import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('describes the embedded default when nothing is set', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      development: true,
      host: '127.0.0.1',
      port: 4000,
      dataDir: '/srv/app/.figway',
      legacy: { transport: 'embedded', dataDir: '/srv/app/.figway' },
      auth: { kind: 'embedded' },
    });
  });

  it('uses the direct postgres transport when SUPABASE_DB_URL is set', () => {
    const config = loadConfig({
      SUPABASE_DB_URL: 'postgres://postgres@db.example.com:5432/postgres',
      SUPABASE_JWT_SECRET: 'x'.repeat(40),
      NODE_ENV: 'production',
    });
    expect(config.legacy).toEqual({
      transport: 'postgres',
      databaseUrl: 'postgres://postgres@db.example.com:5432/postgres',
    });
    expect(config.auth).toEqual({ kind: 'secret', secret: 'x'.repeat(40) });
    expect(config.development).toBe(false);
  });

  it('uses the rest transport with a JWKS URL for a hosted project', () => {
    const config = loadConfig({
      SUPABASE_URL: 'https://abc.supabase.co',
      SUPABASE_ANON_KEY: 'anon',
      SUPABASE_JWKS_URL: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
    });
    expect(config.legacy).toEqual({ transport: 'rest', url: 'https://abc.supabase.co', anonKey: 'anon' });
    expect(config.auth.kind).toBe('jwks');
  });

  it('names the missing setting and the fix', () => {
    expect(() => loadConfig({ SUPABASE_URL: 'https://abc.supabase.co' })).toThrow(
      /SUPABASE_ANON_KEY.*anon key/,
    );
    expect(() => loadConfig({ SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_ANON_KEY: 'k' })).toThrow(
      /SUPABASE_JWT_SECRET.*SUPABASE_JWKS_URL/,
    );
  });

  it('rejects malformed values, naming each', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', SUPABASE_DB_URL: 'mysql://x', SUPABASE_JWT_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*SUPABASE_DB_URL[\s\S]*SUPABASE_JWT_SECRET/);
  });
});
