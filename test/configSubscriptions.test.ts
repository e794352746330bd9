import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig: REDIS_URL', () => {
  it('leaves changes in the process when unset or empty', () => {
    expect(loadConfig({}, '/tmp').redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: '' }, '/tmp').redisUrl).toBeNull();
  });

  it.each([
    'redis://127.0.0.1:6379',
    'redis://:secret@cache.internal:6380/2',
    'rediss://default:secret@cache.example.com:6380',
  ])('reads %s', (value) => {
    expect(loadConfig({ REDIS_URL: value }, '/tmp').redisUrl).toBe(value);
  });

  it.each(['127.0.0.1:6379', 'http://127.0.0.1:6379', 'postgres://127.0.0.1/redis', 'redis'])(
    'refuses %s, naming the setting and the expected form',
    (value) => {
      expect(() => loadConfig({ REDIS_URL: value }, '/tmp')).toThrow(ConfigError);
      expect(() => loadConfig({ REDIS_URL: value }, '/tmp')).toThrow(/REDIS_URL: expected redis:\/\//);
    },
  );
});

describe('loadConfig: FIGWAY_SUBSCRIPTION_QUEUE', () => {
  it('queues 1000 events per socket by default', () => {
    expect(loadConfig({}, '/tmp').subscriptionQueueLimit).toBe(1_000);
  });

  it('reads the limit in events', () => {
    expect(loadConfig({ FIGWAY_SUBSCRIPTION_QUEUE: '50' }, '/tmp').subscriptionQueueLimit).toBe(50);
  });

  it.each(['many', '0', '-1', '2.5'])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ FIGWAY_SUBSCRIPTION_QUEUE: value }, '/tmp')).toThrow(ConfigError);
    expect(() => loadConfig({ FIGWAY_SUBSCRIPTION_QUEUE: value }, '/tmp')).toThrow(
      /FIGWAY_SUBSCRIPTION_QUEUE/,
    );
  });
});

describe('loadConfig: FIGWAY_SUBSCRIPTIONS_PER_SOCKET', () => {
  it('allows 100 subscriptions per socket by default', () => {
    expect(loadConfig({}, '/tmp').subscriptionSocketLimit).toBe(100);
  });

  it('reads the limit in subscriptions', () => {
    expect(loadConfig({ FIGWAY_SUBSCRIPTIONS_PER_SOCKET: '5' }, '/tmp').subscriptionSocketLimit).toBe(5);
  });

  it.each(['many', '0', '-1', '2.5'])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ FIGWAY_SUBSCRIPTIONS_PER_SOCKET: value }, '/tmp')).toThrow(
      /FIGWAY_SUBSCRIPTIONS_PER_SOCKET/,
    );
  });
});
