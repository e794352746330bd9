import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig: FIGWAY_REQUEST_TIMEOUT_MS', () => {
  it('gives each request 10 s by default', () => {
    expect(loadConfig({}, '/tmp').requestTimeoutMs).toBe(10_000);
  });

  it('reads the budget in milliseconds', () => {
    expect(loadConfig({ FIGWAY_REQUEST_TIMEOUT_MS: '2500' }, '/tmp').requestTimeoutMs).toBe(2500);
  });

  it.each(['soon', '50', '-1'])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ FIGWAY_REQUEST_TIMEOUT_MS: value }, '/tmp')).toThrow(ConfigError);
    expect(() => loadConfig({ FIGWAY_REQUEST_TIMEOUT_MS: value }, '/tmp')).toThrow(
      /FIGWAY_REQUEST_TIMEOUT_MS/,
    );
  });
});
