import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig: FIGWAY_SHADOW_MAX_WAIT_MS', () => {
  it('lets a comparison wait 10 s for its response by default', () => {
    expect(loadConfig({}, '/tmp').shadow.maxWaitMs).toBe(10_000);
  });

  it('reads the wait in milliseconds, 0 included', () => {
    expect(loadConfig({ FIGWAY_SHADOW_MAX_WAIT_MS: '2500' }, '/tmp').shadow.maxWaitMs).toBe(2500);
    expect(loadConfig({ FIGWAY_SHADOW_MAX_WAIT_MS: '0' }, '/tmp').shadow.maxWaitMs).toBe(0);
  });

  it.each(['later', '-1', '1.5', '600001'])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ FIGWAY_SHADOW_MAX_WAIT_MS: value }, '/tmp')).toThrow(ConfigError);
    expect(() => loadConfig({ FIGWAY_SHADOW_MAX_WAIT_MS: value }, '/tmp')).toThrow(
      /FIGWAY_SHADOW_MAX_WAIT_MS/,
    );
  });
});
