import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EMBEDDED_JWT_ISSUER,
  loadConfig,
  requireJwtIssuer,
  requireShadowSalt,
} from '../src/config.ts';

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
    expect(config.auth).toMatchObject({ kind: 'secret', secret: 'x'.repeat(40) });
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

describe('loadConfig: how tokens are checked', () => {
  const DB = 'postgres://postgres@127.0.0.1:5432/connect';
  const SECRET = 'x'.repeat(40);

  it('expects the embedded issuer and the "authenticated" audience in the embedded default', () => {
    expect(loadConfig({}).auth).toMatchObject({ audience: 'authenticated', issuer: EMBEDDED_JWT_ISSUER });
  });

  it('derives Supabase Auth as the issuer from SUPABASE_URL, SUPABASE_JWKS_URL or a hosted database URL', () => {
    const rest = {
      SUPABASE_URL: 'https://abc.supabase.co/',
      SUPABASE_ANON_KEY: 'anon',
      SUPABASE_JWT_SECRET: SECRET,
    };
    expect(loadConfig(rest).auth.issuer).toBe('https://abc.supabase.co/auth/v1');
    const jwks = {
      SUPABASE_DB_URL: DB,
      SUPABASE_JWKS_URL: 'https://def.supabase.co/auth/v1/.well-known/jwks.json',
    };
    expect(loadConfig(jwks).auth.issuer).toBe('https://def.supabase.co/auth/v1');
    const direct = { SUPABASE_DB_URL: 'postgres://postgres:pw@db.ghi.supabase.co:5432/postgres' };
    expect(loadConfig({ ...direct, SUPABASE_JWT_SECRET: SECRET }).auth.issuer).toBe(
      'https://ghi.supabase.co/auth/v1',
    );
    const pooler = {
      SUPABASE_DB_URL: 'postgres://postgres.jkl:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres',
    };
    expect(loadConfig({ ...pooler, SUPABASE_JWT_SECRET: SECRET }).auth.issuer).toBe(
      'https://jkl.supabase.co/auth/v1',
    );
  });

  it('takes SUPABASE_JWT_ISSUER and SUPABASE_JWT_AUDIENCE when set', () => {
    const config = loadConfig({
      SUPABASE_DB_URL: DB,
      SUPABASE_JWT_SECRET: SECRET,
      SUPABASE_JWT_ISSUER: 'http://127.0.0.1:54321/auth/v1',
      SUPABASE_JWT_AUDIENCE: 'connect',
    });
    expect(config.auth).toMatchObject({ audience: 'connect', issuer: 'http://127.0.0.1:54321/auth/v1' });
    expect(requireJwtIssuer(config.auth)).toBe('http://127.0.0.1:54321/auth/v1');
  });

  it('leaves the issuer unknown for a plain PostgreSQL, and a gateway then refuses to start naming SUPABASE_JWT_ISSUER', () => {
    const config = loadConfig({ SUPABASE_DB_URL: DB, SUPABASE_JWT_SECRET: SECRET });
    expect(config.auth.issuer).toBeNull();
    expect(() => requireJwtIssuer(config.auth)).toThrow(ConfigError);
    expect(() => requireJwtIssuer(config.auth)).toThrow(/SUPABASE_JWT_ISSUER.*auth\/v1/);
  });
});

describe('loadConfig: production defaults', () => {
  const PRODUCTION = {
    SUPABASE_DB_URL: 'postgres://postgres@127.0.0.1:5432/connect',
    SUPABASE_JWT_SECRET: 'x'.repeat(40),
    NODE_ENV: 'production',
  };

  it('keeps the public shadow salt for the embedded default only', () => {
    expect(requireShadowSalt(loadConfig({}))).toBe('figway-observations');
    for (const env of [PRODUCTION, { NODE_ENV: 'production' }, { ...PRODUCTION, NODE_ENV: 'development' }]) {
      const config = loadConfig(env);
      expect(config.shadow.salt).toBeNull();
      expect(() => requireShadowSalt(config)).toThrow(ConfigError);
      expect(() => requireShadowSalt(config)).toThrow(/FIGWAY_SHADOW_SALT.*secret/);
    }
    expect(requireShadowSalt(loadConfig({ ...PRODUCTION, FIGWAY_SHADOW_SALT: 'a-long-secret-salt' }))).toBe(
      'a-long-secret-salt',
    );
  });

  it('turns introspection off in production unless FIGWAY_INTROSPECTION=true', () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig(PRODUCTION).introspection).toBe(false);
    expect(loadConfig({ ...PRODUCTION, FIGWAY_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ FIGWAY_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ FIGWAY_INTROSPECTION: 'yes' })).toThrow(/FIGWAY_INTROSPECTION/);
  });

  it('leaves /metrics open on the gateway port unless a token or a metrics port is set', () => {
    expect(loadConfig(PRODUCTION).metrics).toEqual({ token: null, listen: null });
    const guarded = loadConfig({
      ...PRODUCTION,
      HOST: '0.0.0.0',
      FIGWAY_METRICS_TOKEN: 'a-metrics-token-of-32-characters',
      FIGWAY_METRICS_PORT: '9464',
    });
    expect(guarded.metrics).toEqual({
      token: 'a-metrics-token-of-32-characters',
      listen: { host: '0.0.0.0', port: 9464 },
    });
    expect(
      loadConfig({ FIGWAY_METRICS_PORT: '9464', FIGWAY_METRICS_HOST: '10.0.0.5' }).metrics.listen,
    ).toEqual({
      host: '10.0.0.5',
      port: 9464,
    });
    expect(() => loadConfig({ FIGWAY_METRICS_TOKEN: 'short' })).toThrow(/FIGWAY_METRICS_TOKEN/);
  });
});
