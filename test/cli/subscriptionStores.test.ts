import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { TargetSide } from '../../src/cli/openTargetSide.ts';
import { type SubscriptionBackends, subscriptionStores } from '../../src/cli/subscriptionStores.ts';
import { loadConfig } from '../../src/config.ts';
import type { Stage } from '../../src/core/stage.ts';
import type { Targets } from '../../src/server/openBackends.ts';
import { refuseSubscription } from '../../src/subscriptions/refuseSubscription.ts';
import type { SubscriptionRequest } from '../../src/subscriptions/subscriptionTypes.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';

// A fake that stands for a backend these decisions never touch: any use of it throws.
function untouched<T extends object>(name: string, fields: Partial<T> = {}): T {
  return new Proxy(fields, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      if (key === 'then') return undefined;
      throw new Error(`${name}.${String(key)} was used`);
    },
  }) as T;
}

const viewer: Viewer = {
  kind: 'user',
  id: crypto.randomUUID(),
  email: null,
  cohort: null,
  claims: {},
  token: 't',
};

const activity: SubscriptionRequest = {
  socket: {},
  viewer,
  field: 'myCommitmentActivity',
  args: {},
  facts: { viewer, operationName: null, clientName: null, clientVersion: null, query: 'q', variables: null },
  execute: async () => ({ data: null }),
  cutOff: () => {},
};

const HOSTED = { SUPABASE_DB_URL: 'postgres://legacy.internal/app', SUPABASE_JWT_SECRET: 'x'.repeat(32) };
const DATABASES = {
  LEDGER_DATABASE_URL: 'postgres://ledger.internal/l',
  OLTP_DATABASE_URL: 'postgres://oltp.internal/o',
};
const SERVICES = {
  LEDGER_SERVICE_URL: 'http://ledger.internal:4100/graphql',
  OLTP_SERVICE_URL: 'http://oltp.internal:4200/graphql',
};
const DRIVER = {
  LEDGER_QLDB_ENDPOINT: 'http://ledger.internal:4300',
  FIGWAY_LEDGER_ACCESS_KEY: 'id:secret',
  OLTP_DATABASE_URL: 'postgres://oltp.internal/o',
};
const REDIS = { REDIS_URL: 'redis://cache.internal:6379' };

// The backends a gateway opened with `env`: the target databases in process when they are configured.
function backendsFor(env: Record<string, string>, captureInstalled = true): SubscriptionBackends {
  const inProcess = env.LEDGER_DATABASE_URL !== undefined;
  return {
    legacy: untouched('legacy'),
    legacyDb: untouched('legacyDb'),
    captureInstalled,
    targets: inProcess ? untouched<Targets>('targets', { store: untouched('target store') }) : null,
  };
}

// Whether a subscription at `stage` opens on a gateway started with `env`, and what the gateway warned at start.
async function subscribeAt(stage: Stage, env: Record<string, string>, captureInstalled = true) {
  const logs = captureLogs('warn');
  const stores = subscriptionStores(
    loadConfig({ ...HOSTED, ...env }, '/tmp'),
    backendsFor(env, captureInstalled),
    untouched<TargetSide>('target side', { store: untouched('remote target store') }),
    logs.logger,
  );
  const refused: ExecutionResult | null = await refuseSubscription(activity, stage, stores);
  const warnings = logs.lines.filter((line) => line.level === LEVEL.warn).map((line) => String(line.msg));
  const [error] = refused?.errors ?? [];
  return { code: error?.extensions.code ?? null, message: error?.message ?? null, warnings };
}

describe('subscriptionStores: who tells legacy its changes', () => {
  it('accepts a legacy subscription on a gateway that runs the appliers, and warns of nothing', async () => {
    expect(await subscribeAt('legacy', DATABASES)).toEqual({ code: null, message: null, warnings: [] });
  });

  it.each([
    ['the appliers are off', { ...DATABASES, FIGWAY_SYNC_APPLIER: 'off' }],
    ['the targets are services', SERVICES],
    ['the ledger is reached through the QLDB driver', DRIVER],
  ])('accepts a legacy subscription with REDIS_URL when %s', async (_, env) => {
    expect(await subscribeAt('dualwrite', { ...env, ...REDIS })).toMatchObject({ code: null });
  });

  it.each([
    ['the appliers are off', { ...DATABASES, FIGWAY_SYNC_APPLIER: 'off' }],
    ['the targets are services', SERVICES],
    ['the ledger is reached through the QLDB driver', DRIVER],
  ])(
    'refuses a legacy subscription without REDIS_URL when %s, naming it, and says so at start',
    async (_, env) => {
      const answer = await subscribeAt('legacy', env);
      expect(answer.code).toBe('BACKEND_UNAVAILABLE');
      expect(answer.message).toMatch(/^Legacy's events need REDIS_URL: .*figway sync/);
      expect(answer.warnings).toContainEqual(
        expect.stringMatching(/subscriptions that read legacy are refused/),
      );
    },
  );

  it('refuses a legacy subscription where no target is configured, naming the settings', async () => {
    const answer = await subscribeAt('shadow', {});
    expect(answer.code).toBe('BACKEND_UNAVAILABLE');
    expect(answer.message).toMatch(/LEDGER_DATABASE_URL and OLTP_DATABASE_URL/);
    expect(answer.warnings).toContainEqual(expect.stringMatching(/no targets are configured/));
  });

  it('refuses a legacy subscription while change capture is not installed', async () => {
    const answer = await subscribeAt('legacy', DATABASES, false);
    expect(answer.code).toBe('BACKEND_UNAVAILABLE');
    expect(answer.message).toMatch(/figway legacy setup/);
  });

  it('leaves a subscription that reads the target to the target feed', async () => {
    expect(await subscribeAt('complete', { ...DATABASES, FIGWAY_SYNC_APPLIER: 'off' })).toMatchObject({
      code: null,
    });
  });
});
